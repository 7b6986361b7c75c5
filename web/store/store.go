// Package store keeps what learners type and achieve: each session's
// workspace and lesson progress, and the read-only snapshots behind share
// links, in one bbolt file under the lab's
// data folder, so a restart of the lab loses nothing.
//
// A Store is safe for concurrent use; bbolt serialises writers and lets
// readers run in parallel. Only one process may open the file at a time.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Workspace is nginx.conf and the other files of a session, by
// slash-separated path relative to nginx.conf.
type Workspace struct {
	Conf    string            `json:"conf"`
	Files   map[string]string `json:"files,omitempty"`
	Updated int64             `json:"updated"` // unix milliseconds of the last save
	// Embed marks the throwaway session of an embedded playground: it is
	// pruned once nobody has saved it for a while (see PruneEmbeds).
	Embed bool `json:"embed,omitempty"`
	// Lesson is the lesson whose starter the workspace began from ("" for
	// the playground's own code).
	Lesson string `json:"lesson,omitempty"`
}

// Snapshot is a read-only copy of a workspace behind a share link.
type Snapshot struct {
	Workspace
	Created int64 `json:"created"` // unix milliseconds
}

// ErrNotFound is returned for a session or snapshot the store does not hold.
var ErrNotFound = errors.New("not found")

// Limits on what one save may hold: a learner's workspace is a config and a
// few Lua files, not a file store.
const (
	MaxFiles     = 32
	MaxFileBytes = 256 << 10
	MaxTotal     = 1 << 20
)

var (
	bucketWorkspaces = []byte("workspaces")
	bucketSnapshots  = []byte("snapshots")
	bucketProgress   = []byte("progress")
)

// Store is the lab's embedded database.
type Store struct {
	db *bolt.DB
}

// Open opens (creating it if needed) the store in dir/restylab.db.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(dir, "restylab.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w (is another lab running on this data folder?)", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketWorkspaces, bucketSnapshots, bucketProgress} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: init %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the database file.
func (s *Store) Close() error { return s.db.Close() }

// Check validates a workspace against the size limits.
func Check(ws Workspace) error {
	if len(ws.Files) > MaxFiles {
		return fmt.Errorf("a workspace holds at most %d files (this one has %d)", MaxFiles, len(ws.Files))
	}
	total := len(ws.Conf)
	if len(ws.Conf) > MaxFileBytes {
		return fmt.Errorf("nginx.conf is larger than %d KiB", MaxFileBytes>>10)
	}
	for name, text := range ws.Files {
		if err := checkName(name); err != nil {
			return err
		}
		if len(text) > MaxFileBytes {
			return fmt.Errorf("%s is larger than %d KiB", name, MaxFileBytes>>10)
		}
		total += len(text)
	}
	if total > MaxTotal {
		return fmt.Errorf("the workspace is larger than %d KiB", MaxTotal>>10)
	}
	return nil
}

// checkName accepts relative slash paths without "..", like "lua/util.lua".
func checkName(name string) error {
	if name == "" || name == "nginx.conf" || len(name) > 128 || name[0] == '/' {
		return fmt.Errorf("bad file name %q", name)
	}
	for _, part := range splitSlash(name) {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("bad file name %q", name)
		}
	}
	return nil
}

func splitSlash(s string) []string {
	var parts []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '/' {
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return parts
}

// SaveWorkspace stores the session's workspace, stamping Updated when it is
// zero, and returns what was stored.
func (s *Store) SaveWorkspace(session string, ws Workspace) (Workspace, error) {
	if err := Check(ws); err != nil {
		return ws, err
	}
	if ws.Updated == 0 {
		ws.Updated = time.Now().UnixMilli()
	}
	return ws, s.put(bucketWorkspaces, session, ws)
}

// Workspace returns the session's workspace or ErrNotFound.
func (s *Store) Workspace(session string) (Workspace, error) {
	var ws Workspace
	err := s.get(bucketWorkspaces, session, &ws)
	return ws, err
}

// PruneEmbeds deletes the embed workspaces last saved before t and returns
// how many it deleted. Learners' own workspaces are never pruned.
func (s *Store) PruneEmbeds(t time.Time) (int, error) {
	cutoff := t.UnixMilli()
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWorkspaces)
		var old [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var ws Workspace
			if json.Unmarshal(v, &ws) == nil && ws.Embed && ws.Updated < cutoff {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune embeds: %w", err)
	}
	return n, nil
}

// LessonProgress is how far a session got in one lesson.
type LessonProgress struct {
	// Score is the best score of the lesson's checks, 0..100; Done is true
	// once every check passed.
	Score   int   `json:"score"`
	Done    bool  `json:"done"`
	Checked int64 `json:"checked"` // unix milliseconds of the last check
}

// Progress returns the session's progress by lesson id (empty when the
// session has checked nothing yet).
func (s *Store) Progress(session string) (map[string]LessonProgress, error) {
	p := map[string]LessonProgress{}
	if err := s.get(bucketProgress, session, &p); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return p, nil
}

// RecordCheck keeps a check's score for the session's lesson: the best
// score stays, the time of the check is the last one. It returns the
// lesson's progress after it.
func (s *Store) RecordCheck(session, lesson string, score int) (LessonProgress, error) {
	var out LessonProgress
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketProgress)
		p := map[string]LessonProgress{}
		if data := b.Get([]byte(session)); data != nil {
			if err := json.Unmarshal(data, &p); err != nil {
				return err
			}
		}
		lp := p[lesson]
		lp.Score = max(lp.Score, score)
		lp.Done = lp.Done || score == 100
		lp.Checked = time.Now().UnixMilli()
		p[lesson] = lp
		out = lp
		data, err := json.Marshal(p)
		if err != nil {
			return err
		}
		return b.Put([]byte(session), data)
	})
	if err != nil {
		return out, fmt.Errorf("store: save progress %s: %w", session, err)
	}
	return out, nil
}

// SaveSnapshot stores a snapshot under id.
func (s *Store) SaveSnapshot(id string, ws Workspace) (Snapshot, error) {
	if err := Check(ws); err != nil {
		return Snapshot{}, err
	}
	snap := Snapshot{Workspace: ws, Created: time.Now().UnixMilli()}
	return snap, s.put(bucketSnapshots, id, snap)
}

// Snapshot returns the snapshot id or ErrNotFound.
func (s *Store) Snapshot(id string) (Snapshot, error) {
	var snap Snapshot
	err := s.get(bucketSnapshots, id, &snap)
	return snap, err
}

func (s *Store) put(bucket []byte, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Put([]byte(key), data)
	})
	if err != nil {
		return fmt.Errorf("store: save %s %s: %w", bucket, key, err)
	}
	return nil
}

func (s *Store) get(bucket []byte, key string, v any) error {
	var data []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if d := tx.Bucket(bucket).Get([]byte(key)); d != nil {
			data = append([]byte(nil), d...)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: read %s %s: %w", bucket, key, err)
	}
	if data == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("store: decode %s %s: %w", bucket, key, err)
	}
	return nil
}
