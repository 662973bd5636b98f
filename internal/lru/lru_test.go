package lru

import "testing"

func TestBoundedInBytes(t *testing.T) {
	c := New[string](100, func(b []byte) int { return len(b) })
	c.Put("a", make([]byte, 40))
	c.Put("b", make([]byte, 40))
	if _, ok := c.Get("a"); !ok { // a is now the most recently used
		t.Fatal("a dropped under the limit")
	}
	c.Put("c", make([]byte, 40))
	if _, ok := c.Get("b"); ok {
		t.Error("the least recently used value kept beyond the limit")
	}
	if _, ok := c.Get("a"); !ok {
		t.Error("a recently used value dropped")
	}
	if c.Bytes() != 80 {
		t.Errorf("%d bytes counted, want 80", c.Bytes())
	}
	c.Put("a", make([]byte, 10)) // replaced: counted once
	c.Remove("c")
	if c.Bytes() != 10 {
		t.Errorf("%d bytes after a replace and a remove, want 10", c.Bytes())
	}
	c.Put("huge", make([]byte, 500))
	if _, ok := c.Get("huge"); !ok || c.Bytes() != 500 {
		t.Errorf("one value over the limit: kept %v, %d bytes; want it alone", ok, c.Bytes())
	}
}
