package workspace

import (
	"net/url"
	"os"
	"os/user"
	"path/filepath"

	"github.com/attachform/attachform/state"
)

// LockInfo describes this run to whoever meets its lock: a fresh id, the
// operation, the current user and host, and the CI run that holds the lock
// when the command's environment names one (ciRunURL). Package state reads
// neither the machine nor the environment; the workspace does, here.
func LockInfo(env Env, operation string) state.LockInfo {
	info := state.NewLockInfo(operation, env.Version)
	info.Who = "unknown"
	if u, err := user.Current(); err == nil {
		info.Who = u.Username
	}
	if h, err := os.Hostname(); err == nil {
		info.Host = h
		info.Who += "@" + h
	}
	info.RunURL = ciRunURL(env.Getenv)
	return info
}

// ciRunURL is the web page of the CI run this process belongs to, read from
// the variables GitHub Actions, Azure Pipelines and GitLab CI set, or "".
// A lock names it so that whoever meets the lock can see the run holding it.
func ciRunURL(getenv func(string) string) string {
	switch {
	case getenv("GITHUB_RUN_ID") != "" && getenv("GITHUB_REPOSITORY") != "":
		server := getenv("GITHUB_SERVER_URL")
		if server == "" {
			server = "https://github.com"
		}
		return server + "/" + getenv("GITHUB_REPOSITORY") + "/actions/runs/" + getenv("GITHUB_RUN_ID")
	case getenv("SYSTEM_COLLECTIONURI") != "" && getenv("SYSTEM_TEAMPROJECT") != "" && getenv("BUILD_BUILDID") != "":
		return getenv("SYSTEM_COLLECTIONURI") + url.PathEscape(getenv("SYSTEM_TEAMPROJECT")) + "/_build/results?buildId=" + getenv("BUILD_BUILDID")
	case getenv("CI_JOB_URL") != "":
		return getenv("CI_JOB_URL")
	}
	return ""
}

// serialMemory is where this machine remembers the last serial of every
// state it read or wrote: attachform/serials in the user's cache directory
// (os.UserCacheDir), or nowhere when there is none.
func serialMemory() *state.SerialMemory {
	dir, err := os.UserCacheDir()
	if err != nil || dir == "" {
		return nil
	}
	return &state.SerialMemory{Dir: filepath.Join(dir, "attachform", "serials")}
}
