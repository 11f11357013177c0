// Package build knows the version of this binary.
package build

import "runtime/debug"

// Version is set at link time (-ldflags "-X github.com/oeru/copharvest/pkg/build.Version=v1.2.3");
// otherwise it comes from the module's build info.
var Version = ""

// String returns the version, never empty.
func String() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

// UserAgent names copharvest and its version to the servers it talks to.
func UserAgent() string {
	return "copharvest/" + String() + " (+https://github.com/oeru/copharvest)"
}
