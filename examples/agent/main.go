// Command agent is the client agent of a remote VSS backup: run on the
// protected machine, it serves requestor sessions over HTTPS (TLS 1.3) to
// a backup server, which drives them with package requestor/remote (for
// example examples/backup -remote).
//
//	agent -listen :8443 -token-file agent.token -ca-out agent.pem
//	agent -simulate -listen 127.0.0.1:0 -token-file agent.token -ca-out agent.pem
//	agent -listen :8443 -cert agent.crt -key agent.key -client-ca clients.pem
//
// Its first line on standard output is "listening on HOST:PORT"; it then
// serves until interrupted, logging every request (with the client's
// identity) to standard error.
//
// On Windows it serves the real VSS (run it elevated); with -simulate it
// serves a simulated machine, on any system: a C:\ volume on which an
// orders database, a VSS-aware application behind its writer "Orders
// DB", writes all along, in virtual time. Each session gets a freshly
// booted machine.
//
// Restores: a client's restore (examples/backup -remote ... -restore)
// puts files back through the agent. With -simulate they go back onto the
// session's simulated C:\; with -restore-to DIR into DIR, a directory per
// volume (DIR/C for C:\), on any system; with -restore-in-place (Windows)
// at each volume's root, where they came from. Without any of them the
// Windows agent refuses restores. Every path is checked: nothing is
// written outside the target, through a link or otherwise.
//
// Credentials: -token-file names a file whose content (blanks around it
// removed) is the bearer token clients send, at least 32 bytes of
// printable ASCII; -client-ca names a PEM file of the client certificates
// the agent pins (mutual TLS). At least one is required: with neither the
// agent refuses to start. Without -cert and -key it makes a self-signed
// certificate (ECDSA P-256) for the listening address and writes it to
// -ca-out for clients to trust.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/vsskit/vss/requestor"
	"github.com/vsskit/vss/requestor/remote"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(runMain(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// runMain runs the agent until ctx ends and returns its exit status: 0
// stopped, 1 failed, 2 a bad command line.
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := run(ctx, args, stdout, stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errFlags):
		return 2
	}
	fmt.Fprintln(stderr, "agent:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// errFlags is a command line the flag package has already reported.
var errFlags = errors.New("bad flags")

// usageError is a bad command line, not yet reported.
type usageError string

func (e usageError) Error() string { return string(e) }

// options are the command line.
type options struct {
	listen      string
	simulate    bool
	tokenFile   string
	cert, key   string
	clientCA    string
	caOut       string
	lease       time.Duration
	maxSessions int
	restoreTo   string // -restore-to
	inPlace     bool   // -restore-in-place
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fl := flag.NewFlagSet("agent", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.StringVar(&o.listen, "listen", "127.0.0.1:8443", "`HOST:PORT` to listen on (port 0: any free port)")
	fl.BoolVar(&o.simulate, "simulate", false, "serve a simulated machine instead of Windows VSS")
	fl.StringVar(&o.tokenFile, "token-file", "", "`FILE` holding the bearer token clients must send (at least 32 bytes)")
	fl.StringVar(&o.cert, "cert", "", "the agent's certificate (PEM `FILE`); with -key")
	fl.StringVar(&o.key, "key", "", "the agent's private key (PEM `FILE`); with -cert")
	fl.StringVar(&o.clientCA, "client-ca", "", "PEM `FILE` of the client certificates the agent pins (mutual TLS)")
	fl.StringVar(&o.caOut, "ca-out", "", "without -cert: `FILE` to write the self-signed certificate to, for clients to trust")
	fl.DurationVar(&o.lease, "lease", remote.DefaultLease, "how long a silent client's session lives")
	fl.IntVar(&o.maxSessions, "max-sessions", remote.DefaultMaxSessions, "how many sessions run at once")
	fl.StringVar(&o.restoreTo, "restore-to", "", "restore clients' backups into `DIR` (a directory per volume)")
	fl.BoolVar(&o.inPlace, "restore-in-place", false, "restore clients' backups at each volume's root (Windows)")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errFlags
	}
	switch {
	case fl.NArg() > 0:
		return o, usageError("unexpected arguments: " + strings.Join(fl.Args(), " "))
	case o.tokenFile == "" && o.clientCA == "":
		return o, usageError("no credential: give -token-file, -client-ca, or both; the agent serves no one unauthenticated")
	case (o.cert == "") != (o.key == ""):
		return o, usageError("-cert and -key go together")
	case o.cert == "" && o.caOut == "":
		return o, usageError("without -cert and -key, -ca-out is required: clients need the self-signed certificate")
	case o.restoreTo != "" && o.inPlace:
		return o, usageError("-restore-to and -restore-in-place exclude each other")
	case o.inPlace && o.simulate:
		return o, usageError("-restore-in-place is for Windows volumes; with -simulate restores go onto the simulated volume")
	case !o.simulate && runtime.GOOS != "windows":
		return o, usageError("without -simulate the agent serves Windows VSS, which needs Windows; -simulate serves a simulated machine")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	cfg := remote.AgentConfig{
		Lease:       o.lease,
		MaxSessions: o.maxSessions,
		Logger:      slog.New(slog.NewTextHandler(stderr, nil)),
	}
	if o.tokenFile != "" {
		token, err := remote.ReadTokenFile(o.tokenFile)
		if err != nil {
			return err
		}
		cfg.Tokens = []remote.Token{{Name: "token-file", Secret: token}}
	}
	if o.clientCA != "" {
		pem, err := os.ReadFile(o.clientCA)
		if err != nil {
			return err
		}
		if cfg.ClientCerts, err = remote.ParseCertificates(pem); err != nil {
			return fmt.Errorf("-client-ca %s: %w", o.clientCA, err)
		}
	}
	if o.simulate {
		cfg.NewSession = newSimulatedSession
		cfg.RestoreTarget = simulatedTarget
	} else {
		cfg.NewSession = func(context.Context) (requestor.Requestor, error) {
			return requestor.NewWindows(requestor.WindowsOptions{})
		}
	}
	switch {
	case o.restoreTo != "":
		if err := os.MkdirAll(o.restoreTo, 0o755); err != nil {
			return err
		}
		simulated := cfg.RestoreTarget
		cfg.RestoreTarget = func(ctx context.Context, r requestor.Requestor) (requestor.Target, error) {
			if simulated != nil {
				_, _ = simulated(ctx, r) // let go of the machine's volume
			}
			return requestor.NewDirTarget(o.restoreTo, false)
		}
	case o.inPlace:
		cfg.RestoreTarget = func(context.Context, requestor.Requestor) (requestor.Target, error) {
			return &rootTarget{dirs: map[string]*requestor.DirTarget{}}, nil
		}
	}
	agent, err := remote.NewAgent(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	cert, err := serverCertificate(o, ln.Addr().(*net.TCPAddr))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "listening on %s\n", ln.Addr())
	srv := agent.Server(cert)
	served := make(chan error, 1)
	go func() { served <- srv.ServeTLS(ln, "", "") }()
	select {
	case err = <-served:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = srv.Shutdown(sctx)
		<-served
	}
	if cerr := agent.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// serverCertificate loads -cert and -key, or makes a self-signed
// certificate for the listening address and writes it to -ca-out.
func serverCertificate(o options, addr *net.TCPAddr) (tls.Certificate, error) {
	if o.cert != "" {
		return tls.LoadX509KeyPair(o.cert, o.key)
	}
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if !addr.IP.IsUnspecified() {
		hosts = append(hosts, addr.IP.String())
	}
	if name, err := os.Hostname(); err == nil {
		hosts = append(hosts, name)
	}
	cert, certPEM, err := remote.SelfSigned(hosts, 365*24*time.Hour, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := os.WriteFile(o.caOut, certPEM, 0o644); err != nil {
		return tls.Certificate{}, fmt.Errorf("-ca-out: %w", err)
	}
	return cert, nil
}
