// Package s3 runs a real S3 server on this machine for tests and the
// demo: versitygw with its POSIX backend, built from source by
// hack/setup-s3.sh and cached like the control plane.
package s3

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Server is a running S3 server with one bucket.
type Server struct {
	// Endpoint is its URL (http, loopback).
	Endpoint string
	// AccessKey and SecretKey are its root credentials.
	AccessKey, SecretKey string
	// Bucket exists when Start returns.
	Bucket string
	// Dir holds the buckets as directories (objects as files).
	Dir  string
	cmd  *exec.Cmd
	args []string
	log  *os.File
}

// Binary builds (once) and returns the server binary, running the
// repository's hack/setup-s3.sh.
func Binary(repoRoot string) (string, error) {
	cmd := exec.Command(filepath.Join(repoRoot, "hack", "setup-s3.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("hack/setup-s3.sh: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1], nil
}

// Start runs the server on a free loopback port with its data in dir, and
// creates bucket.
func Start(binary, dir, bucket string) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	s := &Server{Endpoint: "http://" + addr, AccessKey: "wallet-test", SecretKey: hex.EncodeToString(key), Bucket: bucket, Dir: filepath.Join(dir, "data")}
	sidecar := filepath.Join(dir, "meta")
	for _, d := range []string{s.Dir, sidecar} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	logFile, err := os.Create(filepath.Join(dir, "versitygw.log"))
	if err != nil {
		return nil, err
	}
	s.args, s.log = []string{binary, "--port", addr, "posix", "--sidecar", sidecar, s.Dir}, logFile
	if err := s.run(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		s.Stop()
		return nil, fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	return s, nil
}

// run starts the server process and waits until it answers.
func (s *Server) run() error {
	s.cmd = exec.Command(s.args[0], s.args[1:]...)
	s.cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = dieWithParent()
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.args[0], err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.Endpoint)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("the S3 server did not answer on %s within 30s (log: %s)", s.Endpoint, s.log.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Restart starts the server again after Kill, on the same address and data.
func (s *Server) Restart() error { return s.run() }

// Client is an S3 client of the server with its root credentials.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(s.Endpoint), UsePathStyle: true, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	})
}

// SetCredentialsEnv puts the server's credentials where the AWS SDK's
// standard chain finds them (the process environment), as a Deployment's
// Secret would.
func (s *Server) SetCredentialsEnv() {
	os.Setenv("AWS_ACCESS_KEY_ID", s.AccessKey)
	os.Setenv("AWS_SECRET_ACCESS_KEY", s.SecretKey)
	os.Setenv("AWS_REGION", "us-east-1")
}

// Stop ends the server.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// Kill stops the server at once (a store going down mid-run).
func (s *Server) Kill() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return errors.New("not running")
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	return nil
}
