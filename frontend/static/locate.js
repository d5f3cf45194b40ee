// Optional enhancement: fill the "where" field with the visitor's position.
// Every page works without it; nothing leaves the browser but the search.
(function () {
  var b = document.querySelector("[data-locate]");
  var f = document.getElementById("near");
  if (!b || !f || !navigator.geolocation) return;
  b.classList.remove("js-only");
  b.addEventListener("click", function () {
    b.disabled = true;
    navigator.geolocation.getCurrentPosition(function (p) {
      f.value = p.coords.latitude.toFixed(4) + "," + p.coords.longitude.toFixed(4);
      b.disabled = false;
    }, function () {
      b.disabled = false;
      b.textContent = b.getAttribute("data-failed");
    }, {maximumAge: 600000, timeout: 10000});
  });
})();
