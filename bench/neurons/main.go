// Command neurons benchmarks GET /api/v1/subnet/{netuid}/block/latest/neurons
// of the pylon binary against a static file server serving the same bytes,
// side by side in one run, with wrk as the load generator (loopback only).
//
// It starts a devnet, bootstraps one subnet of 256 neurons, builds and starts
// the pylon binary against it (the subnet is an identity's, so its latest
// neurons are prefetched), saves the answer's bytes, serves them with a
// minimal net/http FileServer (this program re-executed as "static"), and
// runs wrk against both: a warm-up, then measured rounds alternating between
// the two servers. It prints requests per second, p50 and p99 latency, the
// pylon process's resident memory, and the throughput ratio as a Markdown
// table for bench/README.md.
//
//	go run ./bench/neurons                  # defaults: 64 connections, 2 threads, 3 rounds of 20 s
//	go run ./bench/neurons -duration 30s -rounds 5
//
// It needs wrk (apt-get install wrk), Node.js and the devnet's npm packages
// (make devnet-deps).
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pylon-go/pylon/internal/devnet"
)

const token = "bench-open-token"

func main() {
	if len(os.Args) > 2 && os.Args[1] == "static" {
		serveStatic(os.Args[2], os.Args[3])
		return
	}
	conns := flag.Int("connections", 64, "wrk connections")
	threads := flag.Int("threads", 2, "wrk threads")
	duration := flag.Duration("duration", 20*time.Second, "length of one measured run")
	warmup := flag.Duration("warmup", 5*time.Second, "length of the warm-up run of each server")
	rounds := flag.Int("rounds", 3, "measured runs per server, alternating")
	neurons := flag.Int("neurons", 256, "neurons of the benchmarked subnet")
	logLevel := flag.String("log-level", "info", "PYLON_LOG_LEVEL of the pylon process (its request log goes to a file)")
	gogc := flag.String("gogc", "", "GOGC of the pylon process (empty: the binary's default)")
	rate := flag.Int("rate", 5000, "requests per second of the fixed-rate (open-loop) run of each server; 0 skips it")
	flag.Parse()
	if err := run(*conns, *threads, *duration, *warmup, *rounds, *neurons, *logLevel, *gogc, *rate); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// serveStatic is the comparison server: net/http's FileServer over dir.
func serveStatic(addr, dir string) {
	srv := &http.Server{Addr: addr, Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "static:", err)
		os.Exit(1)
	}
}

func run(conns, threads int, duration, warmup time.Duration, rounds, neurons int, logLevel, gogc string, rate int) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed (apt-get install wrk)")
	}
	ctx := context.Background()
	work, err := os.MkdirTemp("", "pylon-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	fmt.Fprintln(os.Stderr, "starting the devnet and bootstrapping a subnet of", neurons, "neurons…")
	dn, err := devnet.Start(ctx, devnet.Config{})
	if err != nil {
		return err
	}
	defer func() { _ = dn.Stop() }()
	world, err := dn.Bootstrap(ctx, devnet.Options{Subnets: []devnet.SubnetOptions{{Neurons: neurons}}})
	if err != nil {
		return err
	}
	sub := world.Subnets[0]

	bin := filepath.Join(work, "pylon")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./cmd/pylon") //nolint:gosec // G204: our own temporary directory
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}

	pylonAddr, staticAddr := freeAddr(), freeAddr()
	envFile := filepath.Join(work, "empty.env")
	if err := os.WriteFile(envFile, nil, 0o600); err != nil {
		return err
	}
	owner := sub.Neurons[0]
	pylonLog, err := os.Create(filepath.Join(work, "pylon.log")) //nolint:gosec // G304: our own temporary directory
	if err != nil {
		return err
	}
	defer pylonLog.Close()
	pylon := exec.CommandContext(ctx, bin, "serve") //nolint:gosec // G204: the binary built above
	pylon.Env = []string{
		"HOME=" + work, "PATH=" + os.Getenv("PATH"),
		"PYLON_ENV_FILE=" + envFile, "PYLON_LISTEN_ADDRESS=" + pylonAddr, "PYLON_LOG_LEVEL=" + logLevel,
		"PYLON_DATABASE_PATH=" + filepath.Join(work, "pylon.db"),
		"PYLON_BITTENSOR_NETWORK=" + dn.URL, "PYLON_BITTENSOR_ARCHIVE_NETWORK=" + dn.URL,
		"PYLON_BITTENSOR_WALLET_PATH=" + world.WalletDir, "PYLON_OPEN_ACCESS_TOKEN=" + token,
		`PYLON_IDENTITIES=["bench"]`, "PYLON_ID_BENCH_WALLET_NAME=" + owner.Wallet, "PYLON_ID_BENCH_HOTKEY_NAME=" + owner.HotkeyName,
		"PYLON_ID_BENCH_NETUID=" + strconv.Itoa(int(sub.Netuid)), "PYLON_ID_BENCH_TOKEN=bench-identity-token",
	}
	if gogc != "" {
		pylon.Env = append(pylon.Env, "GOGC="+gogc)
	}
	pylon.Stdout, pylon.Stderr = pylonLog, pylonLog
	if err := pylon.Start(); err != nil {
		return err
	}
	defer stop(pylon)

	url := fmt.Sprintf("http://%s/api/v1/subnet/%d/block/latest/neurons", pylonAddr, sub.Netuid)
	body, err := waitFor(ctx, url, token, 60*time.Second)
	if err != nil {
		return fmt.Errorf("pylon did not answer (log %s): %w", pylonLog.Name(), err)
	}
	staticDir := filepath.Join(work, "static")
	if err := os.MkdirAll(staticDir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(staticDir, "neurons.json"), body, 0o600); err != nil {
		return err
	}
	static := exec.CommandContext(ctx, os.Args[0], "static", staticAddr, staticDir) //nolint:gosec // G204: this program itself
	static.Stderr = os.Stderr
	if err := static.Start(); err != nil {
		return err
	}
	defer stop(static)
	staticURL := "http://" + staticAddr + "/neurons.json"
	sbody, err := waitFor(ctx, staticURL, "", 10*time.Second)
	if err != nil {
		return err
	}
	if !bytes.Equal(sbody, body) {
		return errors.New("the static server does not serve the same bytes")
	}
	gz, err := getGzip(ctx, url)
	if err != nil {
		return err
	}
	gzipSize := len(gz)
	fmt.Fprintf(os.Stderr, "body: %d bytes (%d gzipped), %d neurons; pylon pid %d, static pid %d\n", len(body), gzipSize, neurons, pylon.Process.Pid, static.Process.Pid)

	wrkArgs := func(d time.Duration, u string, auth bool, headers ...string) []string {
		args := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", d.String(), "--latency"}
		if auth {
			args = append(args, "-H", "Authorization: Bearer "+token)
		}
		for _, h := range headers {
			args = append(args, "-H", h)
		}
		return append(args, u)
	}
	for _, w := range [][]string{wrkArgs(warmup, url, true), wrkArgs(warmup, staticURL, false)} {
		if _, err := wrk(ctx, w); err != nil {
			return err
		}
	}
	rssBefore, _ := rss(pylon.Process.Pid)
	var pylonRuns, staticRuns, gzipRuns []result
	for i := range rounds {
		p, err := wrk(ctx, wrkArgs(duration, url, true))
		if err != nil {
			return err
		}
		p.rss, _ = rss(pylon.Process.Pid)
		s, err := wrk(ctx, wrkArgs(duration, staticURL, false))
		if err != nil {
			return err
		}
		// What Python clients (httpx) get: they send Accept-Encoding: gzip.
		g, err := wrk(ctx, wrkArgs(duration, url, true, "Accept-Encoding: gzip"))
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "round %d: pylon %.0f req/s p50 %v p99 %v RSS %d MiB | static %.0f req/s p50 %v p99 %v | pylon gzip %.0f req/s p50 %v p99 %v\n",
			i+1, p.rps, p.p50, p.p99, p.rss>>20, s.rps, s.p50, s.p99, g.rps, g.p50, g.p99)
		pylonRuns, staticRuns, gzipRuns = append(pylonRuns, p), append(staticRuns, s), append(gzipRuns, g)
	}
	var fixedPylon, fixedStatic openLoop
	if rate > 0 {
		if fixedPylon, err = attack(ctx, url, token, rate, conns, duration); err != nil {
			return err
		}
		if fixedStatic, err = attack(ctx, staticURL, "", rate, conns, duration); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "fixed rate %d/s: pylon p50 %v p99 %v max %v (%d sent, %d late, %d failed) | static p50 %v p99 %v max %v\n",
			rate, fixedPylon.p50, fixedPylon.p99, fixedPylon.max, fixedPylon.sent, fixedPylon.late, fixedPylon.failed,
			fixedStatic.p50, fixedStatic.p99, fixedStatic.max)
	}
	_, peak := rss(pylon.Process.Pid)

	mp, ms, mg := median(pylonRuns), median(staticRuns), median(gzipRuns)
	fmt.Printf("Body: %d bytes (%d neurons). wrk -t%d -c%d, %d rounds of %v after a %v warm-up; medians.\n\n",
		len(body), neurons, threads, conns, rounds, duration, warmup)
	fmt.Println("| server | req/s | p50 | p99 | RSS |")
	fmt.Println("|---|---|---|---|---|")
	fmt.Printf("| pylon (`GET …/block/latest/neurons`) | %.0f | %v | %v | %.1f MiB (before load %.1f MiB, peak %.1f MiB) |\n",
		mp.rps, mp.p50, mp.p99, mib(mp.rss), mib(rssBefore), mib(peak))
	fmt.Printf("| static (`http.FileServer`, same bytes) | %.0f | %v | %v | – |\n", ms.rps, ms.p50, ms.p99)
	fmt.Printf("| pylon, `Accept-Encoding: gzip` (%d bytes sent) | %.0f | %v | %v | – |\n", gzipSize, mg.rps, mg.p50, mg.p99)
	fmt.Printf("\nRatio pylon / static throughput: %.2f\n", mp.rps/ms.rps)
	if rate > 0 {
		fmt.Printf("\nFixed rate %d req/s for %v over %d connections (open loop; latency from each request's scheduled start):\n\n", rate, duration, conns)
		fmt.Println("| server | p50 | p99 | max | requests | failed |")
		fmt.Println("|---|---|---|---|---|---|")
		for _, x := range []struct {
			name string
			r    openLoop
		}{{"pylon", fixedPylon}, {"static", fixedStatic}} {
			fmt.Printf("| %s | %v | %v | %v | %d | %d |\n", x.name, x.r.p50, x.r.p99, x.r.max, x.r.sent, x.r.failed)
		}
	}
	return nil
}

// openLoop is the outcome of a fixed-rate run.
type openLoop struct {
	p50, p99, max      time.Duration
	sent, late, failed int
}

// attack sends GET url at a fixed rate for d over at most conns connections
// (an open-loop load: requests are scheduled by the clock, not by answers)
// and measures each request's latency from its scheduled start, so a stall
// shows in the latencies of the requests that waited behind it. Bodies are
// read and discarded.
func attack(ctx context.Context, url, bearer string, rate, conns int, d time.Duration) (openLoop, error) {
	tr := &http.Transport{MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	n := int(d.Seconds() * float64(rate))
	interval := time.Second / time.Duration(rate)
	type sample struct {
		lat time.Duration
		err bool
	}
	samples := make([]sample, n)
	ticks := make(chan int, conns)
	done := make(chan struct{})
	start := time.Now()
	for range conns {
		go func() {
			for i := range ticks {
				scheduled := start.Add(time.Duration(i) * interval)
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
				if err != nil {
					samples[i] = sample{err: true}
					continue
				}
				if bearer != "" {
					req.Header.Set("Authorization", "Bearer "+bearer)
				}
				res, err := client.Do(req)
				if err != nil {
					samples[i] = sample{lat: time.Since(scheduled), err: true}
					continue
				}
				_, cerr := io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
				samples[i] = sample{lat: time.Since(scheduled), err: cerr != nil || res.StatusCode != http.StatusOK}
			}
			done <- struct{}{}
		}()
	}
	late := 0
	for i := range n {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		} else if wait < -interval {
			late++
		}
		ticks <- i
	}
	close(ticks)
	for range conns {
		<-done
	}
	lats := make([]time.Duration, 0, n)
	out := openLoop{sent: n, late: late}
	for _, s := range samples {
		if s.err {
			out.failed++
		}
		lats = append(lats, s.lat)
	}
	slices.Sort(lats)
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
	out.p50, out.p99, out.max = r(lats[len(lats)/2]), r(lats[len(lats)*99/100]), r(lats[len(lats)-1])
	return out, nil
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	rss      uint64
}

// median picks, per figure, the median of the runs.
func median(rs []result) result {
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return result{
		rps: pick(func(r result) float64 { return r.rps }),
		p50: time.Duration(pick(func(r result) float64 { return float64(r.p50) })).Round(10 * time.Microsecond),
		p99: time.Duration(pick(func(r result) float64 { return float64(r.p99) })).Round(10 * time.Microsecond),
		rss: uint64(pick(func(r result) float64 { return float64(r.rss) })),
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

var (
	rpsRE = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	pctRE = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$`)
	errRE = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)|Socket errors: .*`)
)

// wrk runs wrk and parses its throughput and latency percentiles.
func wrk(ctx context.Context, args []string) (result, error) {
	out, err := exec.CommandContext(ctx, "wrk", args...).CombinedOutput() //nolint:gosec // G204: wrk with the benchmark's own arguments
	if err != nil {
		return result{}, fmt.Errorf("wrk %v: %w\n%s", args, err, out)
	}
	if m := errRE.Find(out); m != nil {
		return result{}, fmt.Errorf("wrk saw errors (%s):\n%s", m, out)
	}
	var r result
	m := rpsRE.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk output:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	for _, p := range pctRE.FindAllSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(string(p[2]), 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[string(p[3])]
		d := time.Duration(v * float64(unit))
		if string(p[1]) == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	return r, nil
}

// rss returns the process's resident set size and its peak, from
// /proc/<pid>/status.
func rss(pid int) (current, peak uint64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseUint(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			current = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return current, peak
}

// waitFor polls url until it answers 200 and returns the body.
func waitFor(ctx context.Context, url, bearer string, limit time.Duration) ([]byte, error) {
	deadline := time.Now().Add(limit)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
		if err != nil {
			return nil, err
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			body, rerr := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK && rerr == nil {
				return body, nil
			}
			err = fmt.Errorf("%d %s", res.StatusCode, body)
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// getGzip fetches url asking for gzip and returns the compressed body.
func getGzip(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" {
		return nil, errors.New("pylon did not answer with gzip")
	}
	return io.ReadAll(res.Body)
}

func freeAddr() string {
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}
