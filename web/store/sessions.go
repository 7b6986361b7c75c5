package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketNames holds the display names learners give when they join a
// class (created on first use: a store from before it simply has none).
var bucketNames = []byte("names")

// MaxNameLen caps a display name, in bytes.
const MaxNameLen = 64

// SessionInfo is what the teacher's page shows of one learner session.
type SessionInfo struct {
	ID       string
	Name     string // the display name given when joining ("" without one)
	Lesson   string // the lesson the workspace began from ("" for the playground)
	Updated  int64  // unix milliseconds of the workspace's last save
	Progress map[string]LessonProgress
}

// Sessions lists every learner session the store holds (embed sessions
// are not learners' and are left out), with its name and progress, in the
// store's key order.
func (s *Store) Sessions() ([]SessionInfo, error) {
	var out []SessionInfo
	err := s.db.View(func(tx *bolt.Tx) error {
		names := tx.Bucket(bucketNames)
		progress := tx.Bucket(bucketProgress)
		return tx.Bucket(bucketWorkspaces).ForEach(func(k, v []byte) error {
			var ws Workspace
			if err := json.Unmarshal(v, &ws); err != nil || ws.Embed {
				return nil
			}
			info := SessionInfo{ID: string(k), Lesson: ws.Lesson, Updated: ws.Updated, Progress: map[string]LessonProgress{}}
			if names != nil {
				info.Name = string(names.Get(k))
			}
			if data := progress.Get(k); data != nil {
				_ = json.Unmarshal(data, &info.Progress) // a damaged record shows as no progress
			}
			out = append(out, info)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	return out, nil
}

// SetName keeps the session's display name (cut to MaxNameLen bytes at a
// character boundary by the caller; an empty name removes it).
func (s *Store) SetName(session, name string) error {
	if len(name) > MaxNameLen {
		return fmt.Errorf("store: name of %d bytes: at most %d", len(name), MaxNameLen)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketNames)
		if err != nil {
			return err
		}
		if name == "" {
			return b.Delete([]byte(session))
		}
		return b.Put([]byte(session), []byte(name))
	})
	if err != nil {
		return fmt.Errorf("store: save name of %s: %w", session, err)
	}
	return nil
}

// LastActive is the latest of a session's workspace save and lesson
// check, as a time (zero when it has neither).
func (i SessionInfo) LastActive() time.Time {
	ms := i.Updated
	for _, p := range i.Progress {
		ms = max(ms, p.Checked)
	}
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
