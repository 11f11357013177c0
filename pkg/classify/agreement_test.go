package classify

import (
	"math"
	"strings"
	"testing"
)

func TestBootstrapKappa(t *testing.T) {
	a := []bool{true, true, false, false, true, false, true, false, true, true}
	b := []bool{true, true, false, false, true, false, true, true, true, false}
	groups := []string{"t1", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"}
	low, high := BootstrapKappa(a, b, groups, 500, 1)
	k, _, _ := CohenKappa(5, 1, 1, 3)
	if !(low <= k && k <= high) || low < -1 || high > 1 || low == high {
		t.Errorf("interval [%v, %v] around kappa %v", low, high, k)
	}
	if l2, h2 := BootstrapKappa(a, b, groups, 500, 1); l2 != low || h2 != high {
		t.Error("same seed, another interval")
	}
	if l, h := BootstrapKappa(a, a, groups, 200, 3); l != 1 || h != 1 {
		t.Errorf("perfect agreement: [%v, %v]", l, h)
	}
}

func TestReadLabelsAsSampleWritesThem(t *testing.T) {
	// The header `copharvest sample` writes, with two rows coded and one not yet.
	csv := "\ufeffuri,domain,community,practice,split,note,url,author,created_at,reply_to,repliers,text\n" +
		"https://a/1,1,0,1,,an idea,https://a/@x/1,x,2026-09-01T00:00:00Z,,0,\"Idea: a shared folder, with a comma\"\n" +
		"https://a/2,0,1,0,,,https://a/@y/2,y,2026-09-01T00:00:00Z,parent,1,text\n" +
		"https://a/3,,,,,,https://a/@z/3,z,2026-09-01T00:00:00Z,,0,not coded yet\n"
	labels, skipped, err := ReadLabelsSkipped(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 2 || skipped != 1 || !labels[0].Practice || labels[0].Community || !labels[1].Community || labels[0].Note != "an idea" {
		t.Errorf("labels %+v, skipped %d", labels, skipped)
	}
	for name, bad := range map[string]string{
		"partly coded": "uri,domain,community,practice\nx,1,,0\n",
		"no practice":  "uri,domain,community\nx,1,1\n",
		"duplicate":    "uri,domain,community,practice\nx,1,1,0\nx,1,1,0\n",
		"bad code":     "uri,domain,community,practice\nx,1,2,0\n",
	} {
		if _, err := ReadLabels(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCompareLabelsByThreadAndKey(t *testing.T) {
	a := "thread,key,domain,community,practice,note\nT01,a,1,1,0,x\nT01,b,1,1,1,y\nT02,a,0,0,0,z\nT03,a,1,0,1,only in a\n"
	b := "thread,key,domain,community,practice,note\nT01,a,1,1,0,x\nT01,b,1,1,0,y\nT02,a,0,0,0,z\n"
	la, err := ReadLabels(strings.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	lb, _ := ReadLabels(strings.NewReader(b))
	ag := CompareLabels(la, lb)
	if ag.N != 3 || len(ag.OnlyA) != 1 || ag.OnlyA[0] != "T03/a" || len(ag.OnlyB) != 0 {
		t.Fatalf("%+v", ag)
	}
	if d := ag.Dimensions[0]; d.Kappa != 1 || d.KappaLow != 1 {
		t.Errorf("domain %+v", d)
	}
	if p := ag.Dimensions[2]; p.FN != 1 || p.TP != 0 || math.Abs(p.Kappa) > 1e-9 {
		t.Errorf("practice %+v", p)
	}
}
