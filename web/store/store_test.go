package store

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRestartKeepsWorkspaces(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ws := Workspace{Conf: "events {}\n", Files: map[string]string{"lua/a.lua": "return 1\n"}}
	saved, err := s.SaveWorkspace("sess1", ws)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Updated == 0 {
		t.Fatal("Updated not stamped")
	}
	if _, err := s.SaveSnapshot("snap1", ws); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Workspace("sess1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Conf != ws.Conf || got.Files["lua/a.lua"] != "return 1\n" || got.Updated != saved.Updated {
		t.Fatalf("after restart: %+v", got)
	}
	snap, err := s.Snapshot("snap1")
	if err != nil || snap.Conf != ws.Conf || snap.Created == 0 {
		t.Fatalf("snapshot after restart: %+v, %v", snap, err)
	}
	if _, err := s.Workspace("nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing session: %v", err)
	}
}

func TestSecondOpenFails(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "another lab") {
		t.Fatalf("second open: %v", err)
	}
}

func TestCheck(t *testing.T) {
	big := strings.Repeat("x", MaxFileBytes+1)
	tests := []struct {
		name string
		ws   Workspace
		want string
	}{
		{"ok", Workspace{Conf: "x", Files: map[string]string{"lua/a.lua": ""}}, ""},
		{"dotdot", Workspace{Files: map[string]string{"../etc/passwd": ""}}, "bad file name"},
		{"absolute", Workspace{Files: map[string]string{"/etc/passwd": ""}}, "bad file name"},
		{"empty part", Workspace{Files: map[string]string{"lua//a.lua": ""}}, "bad file name"},
		{"conf twice", Workspace{Files: map[string]string{"nginx.conf": ""}}, "bad file name"},
		{"big conf", Workspace{Conf: big}, "nginx.conf is larger"},
		{"big file", Workspace{Files: map[string]string{"a.lua": big}}, "a.lua is larger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.ws)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestPruneEmbeds(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	old := time.Now().Add(-48 * time.Hour).UnixMilli()
	for id, ws := range map[string]Workspace{
		"embed-old":   {Conf: "a", Embed: true, Updated: old},
		"embed-fresh": {Conf: "b", Embed: true},
		"learner-old": {Conf: "c", Updated: old},
	} {
		if _, err := s.SaveWorkspace(id, ws); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PruneEmbeds(time.Now().Add(-24 * time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want 1", n, err)
	}
	if _, err := s.Workspace("embed-old"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the old embed is still there: %v", err)
	}
	for _, id := range []string{"embed-fresh", "learner-old"} {
		if _, err := s.Workspace(id); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
}

// TestProgressSurvivesRestart: the best score of each lesson stays, a lesson
// is done once every check passed, and a restart keeps it all.
func TestProgressSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.Progress("sess"); err != nil || len(p) != 0 {
		t.Fatalf("a new session's progress: %v, %v", p, err)
	}
	for _, score := range []int{33, 66, 50} {
		if _, err := s.RecordCheck("sess", "03-nonblocking", score); err != nil {
			t.Fatal(err)
		}
	}
	if lp, err := s.RecordCheck("sess", "01-hello", 100); err != nil || !lp.Done {
		t.Fatalf("a full score: %+v, %v", lp, err)
	}
	s.RecordCheck("sess", "01-hello", 0) // a later failing check does not undo it
	s.RecordCheck("other", "01-hello", 10)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := s.Progress("sess")
	if err != nil {
		t.Fatal(err)
	}
	if p["03-nonblocking"].Score != 66 || p["03-nonblocking"].Done || p["01-hello"].Score != 100 || !p["01-hello"].Done || len(p) != 2 {
		t.Fatalf("progress after restart: %+v", p)
	}
	if p["01-hello"].Checked == 0 {
		t.Fatal("no time of the last check")
	}
}
