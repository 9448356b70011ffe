package pylon

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestDockerCommand checks the "docker run" command line (there is no
// Docker daemon where the tests run, so the container itself is not
// started).
func TestDockerCommand(t *testing.T) {
	name, args, err := dockerCommand(ServiceOptions{
		Image:   "backenddevelopersltd/pylon-go:1.0",
		EnvFile: "deploy/.env",
		Env:     []string{"PYLON_LOG_FORMAT=json", "PYLON_DEBUG=true"},
	}, "/usr/bin/docker", "pylon-go-abc", "127.0.0.1:18000")
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("deploy/.env")
	want := []string{
		"run", "--rm", "--name", "pylon-go-abc", "-p", "127.0.0.1:18000:8000",
		"-e", "PYLON_LISTEN_ADDRESS=0.0.0.0:8000",
		"-v", abs + ":/run/pylon/pylon.env:ro", "-e", "PYLON_ENV_FILE=/run/pylon/pylon.env",
		"-e", "PYLON_LOG_FORMAT=json", "-e", "PYLON_DEBUG=true",
		"backenddevelopersltd/pylon-go:1.0", "serve",
	}
	if name != "/usr/bin/docker" || !slices.Equal(args, want) {
		t.Errorf("docker command\n got %s %q\nwant /usr/bin/docker %q", name, args, want)
	}

	_, args, err = dockerCommand(ServiceOptions{Image: "img"}, "docker", "c", "[::1]:9000")
	if err != nil || !slices.Equal(args, []string{"run", "--rm", "--name", "c", "-p", "[::1]:9000:8000", "-e", "PYLON_LISTEN_ADDRESS=0.0.0.0:8000", "img", "serve"}) {
		t.Errorf("without env file: %q %v", args, err)
	}
}

func TestTailBuffer(t *testing.T) {
	tb := &tailBuffer{max: 8}
	for _, s := range []string{"hello ", "world", "!"} {
		_, _ = tb.Write([]byte(s))
	}
	if got := tb.String(); got != "o world!" {
		t.Errorf("tail %q", got)
	}
}
