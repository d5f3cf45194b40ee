// Package repocheck holds tests about the repository itself rather than
// about one package: the module file says truthfully which dependencies
// the code imports directly.
package repocheck
