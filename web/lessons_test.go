package web

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/restylab/restylab/lessons"
)

// wsOf is a lesson workspace on the wire.
func wsOf(ws lessons.Workspace) workspaceJSON {
	return workspaceJSON{Conf: ws.Conf, Files: ws.Files}
}

// TestLessonAPI walks lesson 3 as a learner's page does: start it (the old
// code is kept), check the starter (some checks fail, each in one sentence
// with a hint), check a solution (all pass), and find the progress in the
// course list, also after a restart of the lab.
func TestLessonAPI(t *testing.T) {
	data := t.TempDir()
	l := newLab(t, data)
	l.open()
	les, ok := lessons.ByID("nonblocking")
	if !ok {
		t.Fatal("no lesson nonblocking")
	}

	var list []lessonEntry
	l.json("GET", "/api/lessons", nil, &list)
	all, _ := lessons.All()
	if len(list) != len(all) || len(list) < 16 || list[2].ID != "nonblocking" || list[2].Status != "ready" || list[2].Done {
		t.Fatalf("the course: %+v", list)
	}

	var start lessonStartResult
	l.json("POST", "/api/lessons/nonblocking/start", nil, &start)
	if start.Applied == nil || !start.Applied.OK || !strings.HasPrefix(start.Kept, "/share/") {
		t.Fatalf("start: %+v", start)
	}
	var ws workspaceJSON
	l.json("GET", "/api/workspace", nil, &ws)
	if ws.Conf != les.Starter.Conf {
		t.Fatalf("the workspace is not the starter:\n%s", ws.Conf)
	}

	var res lessons.Result
	l.json("POST", "/api/lessons/nonblocking/check", wsOf(les.Starter), &res)
	if res.Lesson != "nonblocking" || res.Score == 100 || len(res.Checks) < 3 {
		t.Fatalf("the starter's check: %+v", res)
	}
	for _, c := range res.Checks {
		if !c.OK && (c.Message == "" || c.Hint == "" || !strings.HasSuffix(c.Message, ".")) {
			t.Errorf("a failed check without one sentence and a hint: %+v", c)
		}
	}
	starterScore := res.Score

	l.json("POST", "/api/lessons/nonblocking/check", wsOf(les.Solution), &res)
	if res.Score != 100 {
		t.Fatalf("the reference solution's check: %+v", res)
	}
	// the check saved and applied the solution
	l.json("GET", "/api/workspace", nil, &ws)
	if ws.Conf != les.Solution.Conf {
		t.Fatal("the checked workspace was not saved")
	}
	l.json("GET", "/api/lessons", nil, &list)
	if !list[2].Done || list[2].Score != 100 {
		t.Fatalf("progress after the check: %+v (starter scored %d)", list[2], starterScore)
	}
	l.close()

	l2 := newLab(t, data)
	l2.client.Jar = l.client.Jar
	l2.json("GET", "/api/lessons", nil, &list)
	if !list[2].Done {
		t.Fatalf("progress after a restart: %+v", list[2])
	}
	_, page := l2.do("GET", "/lessons", nil)
	if !strings.Contains(string(page), `data-lesson="nonblocking" data-done="true"`) {
		t.Fatal("the course page does not show lesson 3 done")
	}
}

// TestLessonBadInput: an unknown lesson, a lesson still being written, a
// workspace that does not load, and a check fired twice at once each get a
// clear answer, and nothing is lost.
func TestLessonBadInput(t *testing.T) {
	l := newLab(t, "")
	l.open()
	status, body := l.do("POST", "/api/lessons/nope/check", workspaceJSON{Conf: "events {}"})
	if status != http.StatusNotFound || !strings.Contains(string(body), "no lesson") {
		t.Fatalf("unknown lesson: %d %s", status, body)
	}
	coming := ""
	all, _ := lessons.All()
	for _, les := range all {
		if les.Status != lessons.Ready {
			coming = les.ID
			break
		}
	}
	if coming != "" {
		status, body = l.do("POST", "/api/lessons/"+coming+"/start", nil)
		if status != http.StatusConflict || !strings.Contains(string(body), "being written") {
			t.Fatalf("a lesson to come: %d %s", status, body)
		}
	} else {
		t.Log("every lesson is ready: no lesson to come to start")
	}
	for _, req := range [][2]string{{"GET", "/lessons/nope"}, {"GET", "/lessons/" + coming}, {"POST", "/lessons/" + coming + "/start"}} {
		if coming == "" && req[0] != "GET" || req[1] == "/lessons/" {
			continue
		}
		if status, _ := l.do(req[0], req[1], nil); status != http.StatusNotFound {
			t.Fatalf("%s %s: %d, want 404 (unknown, or still being written)", req[0], req[1], status)
		}
	}

	broken := "events {}\nhttp {\n  server {\n    listen 8080;\n    bogus_directive on;\n  }\n}\n"
	var res lessons.Result
	l.json("POST", "/api/lessons/hello/check", workspaceJSON{Conf: broken}, &res)
	if res.Score != 0 || len(res.Checks) == 0 || !strings.Contains(res.Checks[0].Message, "nginx.conf:5") || !strings.Contains(res.Checks[0].Message, "bogus_directive") {
		t.Fatalf("a workspace that does not load: %+v", res)
	}
	var ws workspaceJSON
	l.json("GET", "/api/workspace", nil, &ws)
	if ws.Conf != broken {
		t.Fatal("the broken workspace was not kept")
	}

	les, _ := lessons.ByID("nonblocking")
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = l.do("POST", "/api/lessons/nonblocking/check", wsOf(les.Solution))
		}()
	}
	wg.Wait()
	if !(codes[0] == 200 && codes[1] == 429 || codes[0] == 429 && codes[1] == 200) {
		t.Fatalf("two checks at once answered %v, want one 200 and one 429", codes)
	}
}

// TestLessonCertificatesThroughLab: lesson 15's checks go over TLS to a
// learner's sandboxed instance: the starter scores less than 100, both
// solutions 100 (each certificate by SNI, the default for others, one
// added while the instance runs).
func TestLessonCertificatesThroughLab(t *testing.T) {
	l := newLab(t, "")
	l.open()
	les, ok := lessons.ByID("certificates")
	if !ok {
		t.Fatal("no lesson certificates")
	}
	var start lessonStartResult
	l.json("POST", "/api/lessons/certificates/start", nil, &start)
	if start.Applied == nil || !start.Applied.OK {
		t.Fatalf("start: %+v", start)
	}
	var res lessons.Result
	l.json("POST", "/api/lessons/certificates/check", wsOf(les.Starter), &res)
	if res.Score == 100 {
		t.Fatalf("the starter passes every check: %+v", res)
	}
	for _, sol := range []struct {
		name string
		ws   lessons.Workspace
	}{{"solution", les.Solution}, {"solution2", les.Solution2}} {
		l.json("POST", "/api/lessons/certificates/check", wsOf(sol.ws), &res)
		if res.Score != 100 {
			t.Fatalf("%s: %+v", sol.name, res)
		}
	}
}
