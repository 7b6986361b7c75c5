package store

import (
	"strings"
	"testing"
)

// TestSessionsAndNames: the teacher's list holds learners' sessions (not
// embeds) with their names and progress, and both survive a restart.
func TestSessionsAndNames(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for id, ws := range map[string]Workspace{
		"learner-a": {Conf: "a", Lesson: "hello"},
		"learner-b": {Conf: "b"},
		"embed-c":   {Conf: "c", Embed: true},
	} {
		if _, err := s.SaveWorkspace(id, ws); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetName("learner-a", "Ada"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetName("learner-b", strings.Repeat("x", MaxNameLen+1)); err == nil {
		t.Fatal("a name longer than MaxNameLen was kept")
	}
	if _, err := s.RecordCheck("learner-a", "hello", 100); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	infos, err := s.Sessions()
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 {
		t.Fatalf("sessions: %+v", infos)
	}
	a, b := infos[0], infos[1]
	if a.ID != "learner-a" || a.Name != "Ada" || a.Lesson != "hello" || !a.Progress["hello"].Done || a.LastActive().IsZero() {
		t.Fatalf("learner a: %+v", a)
	}
	if b.ID != "learner-b" || b.Name != "" || len(b.Progress) != 0 {
		t.Fatalf("learner b: %+v", b)
	}
	if err := s.SetName("learner-a", ""); err != nil {
		t.Fatal(err)
	}
	if infos, _ := s.Sessions(); infos[0].Name != "" {
		t.Fatalf("a removed name stays: %q", infos[0].Name)
	}
}
