// Package e2e holds the end-to-end tests of the public directory: the demo
// (a directory and its nodes federating on loopback) driven by a real
// headless Chromium, with and without JavaScript.
package e2e
