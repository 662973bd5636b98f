package webservice_test

import (
	"context"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
	"github.com/wallet-operator/wallet-operator/internal/passjson"
	"github.com/wallet-operator/wallet-operator/internal/pkpass"
)

// A group's link: two passes labelled with the same group get the same
// groupDownloadURL, which answers one .pkpasses holding exactly their
// signed passes (each verifies); a pass outside the group is not in it, a
// wrong token finds nothing, and leaving the group drops the link.
func TestGroupDownload(t *testing.T) {
	storeIndependent(t)
	ns, _ := samples(t)
	ctx := context.Background()
	label := func(name, group string) {
		p := getPass(t, ns, name)
		before := p.DeepCopy()
		if group == "" {
			delete(p.Labels, walletv1.LabelGroup)
		} else {
			if p.Labels == nil {
				p.Labels = map[string]string{}
			}
			p.Labels[walletv1.LabelGroup] = group
		}
		if err := c.Patch(ctx, p, client.MergeFrom(before)); err != nil {
			t.Fatal(err)
		}
	}
	label("concert-a-12-7", "smith-family")
	label("concert-a-12-8", "smith-family")
	var link string
	eventually(t, "both passes show the group's link", func() (bool, string) {
		a, b := getPass(t, ns, "concert-a-12-7").Status.GroupDownloadURL, getPass(t, ns, "concert-a-12-8").Status.GroupDownloadURL
		link = a
		return a != "" && a == b && strings.Contains(a, "/download-group/"+ns+"/smith-family/"), a + " " + b
	})
	if getPass(t, ns, "member-tom").Status.GroupDownloadURL != "" {
		t.Error("a pass in no group has a group link")
	}
	path := strings.TrimPrefix(link, baseURL)
	r := call(t, "GET", path, "", nil)
	if r.code != 200 || r.header.Get("Content-Type") != pkpass.PassesMediaType || !strings.Contains(r.header.Get("Content-Disposition"), "smith-family.pkpasses") {
		t.Fatalf("group download: %d %s %s %.200s", r.code, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"), r.body)
	}
	files, err := pkpass.Unzip(r.body)
	if err != nil {
		t.Fatal(err)
	}
	serials := map[string]bool{}
	for name, data := range files {
		rep := pkpass.Verify(data, nil)
		if !rep.OK() {
			t.Errorf("%s in the group's bundle does not verify: %v", name, rep)
		}
		inner, _ := pkpass.Unzip(data)
		pj, err := passjson.Parse(inner["pass.json"])
		if err != nil {
			t.Fatal(err)
		}
		serials[pj.SerialNumber] = true
	}
	if len(files) != 2 || !serials["hh-2026-a-12-7"] || !serials["hh-2026-a-12-8"] {
		t.Errorf("the group's bundle holds %d passes, serials %v; want the two concert tickets", len(files), serials)
	}
	if r := call(t, "GET", path[:len(path)-4]+"AAAA", "", nil); r.code != 404 {
		t.Errorf("a wrong group token: %d", r.code)
	}
	if r := call(t, "GET", strings.Replace(path, "/smith-family/", "/jones-family/", 1), "", nil); r.code != 404 {
		t.Errorf("another group with this group's token: %d", r.code)
	}
	label("concert-a-12-8", "")
	eventually(t, "the pass that left the group lost its link", func() (bool, string) {
		return getPass(t, ns, "concert-a-12-8").Status.GroupDownloadURL == "", ""
	})
	eventually(t, "the group's bundle holds the pass left in it", func() (bool, string) {
		r := call(t, "GET", path, "", nil)
		files, _ := pkpass.Unzip(r.body)
		return r.code == 200 && len(files) == 1, string(rune('0' + len(files)))
	})
}
