package recorder

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is a Recorder listening on a TCP address. Create it with Start;
// the caller must call Shutdown or Close.
type Server struct {
	URL      string // the recorder's base URL on its listener, e.g. http://127.0.0.1:8490
	Recorder *Recorder

	srv  *http.Server
	done chan error
	once sync.Once

	mu     sync.Mutex
	active int           // requests being served
	idle   chan struct{} // closed when active drops to zero, while shutting down
}

// Start listens on addr (for example "127.0.0.1:0" for a free loopback
// port) and serves a Recorder made from cfg; cfg.PublicURL "" means the
// listener's URL. The caller must call Shutdown or Close.
func Start(addr string, cfg Config) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("start recorder: listen on %s: %w", addr, err)
	}
	base := "http://" + ln.Addr().String()
	if cfg.PublicURL == "" {
		cfg.PublicURL = base
	}
	rec, err := New(cfg)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	s := &Server{
		URL:      base,
		Recorder: rec,
		done:     make(chan error, 1),
	}
	readTimeout := cfg.ReadTimeout
	if readTimeout <= 0 {
		readTimeout = 30 * time.Second
	}
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serve),
		ReadHeaderTimeout: min(10*time.Second, readTimeout),
		ReadTimeout:       readTimeout,
		IdleTimeout:       2 * time.Minute,
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// serve counts the requests in progress around the Recorder.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.active++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active--
		if s.active == 0 && s.idle != nil {
			close(s.idle)
			s.idle = nil
		}
		s.mu.Unlock()
	}()
	s.Recorder.ServeHTTP(w, r)
}

// Shutdown stops accepting connections and waits, until ctx ends, for the
// exchanges in progress to finish, so that each is recorded whole, then
// closes the journal (Recorder.Close). It does
// not wait for connections that carry no request, such as a client's
// spare dial, which http.Server.Shutdown would wait for.
func (s *Server) Shutdown(ctx context.Context) error {
	shut := make(chan error, 1)
	go func() { shut <- s.srv.Shutdown(ctx) }()
	s.mu.Lock()
	idle := make(chan struct{})
	if s.active == 0 {
		close(idle)
	} else {
		s.idle = idle
	}
	s.mu.Unlock()
	var err error
	select {
	case err = <-shut:
	case <-idle:
		err = s.srv.Close()
		err = errors.Join(err, <-shut)
	case <-ctx.Done():
		err = errors.Join(<-shut, s.srv.Close())
	}
	s.Recorder.CloseIdleConnections()
	err = errors.Join(err, s.Recorder.Close())
	s.once.Do(func() {
		if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
	})
	return err
}

// Close is Shutdown with a bound of 5 s.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Shutdown(ctx)
}
