package bundlecache

import (
	"container/list"
	"sync"
)

// lru keeps values, least recently used first out, bounded in bytes; one
// entry is kept whatever its size.
type lru[K comparable, V any] struct {
	mu      sync.Mutex
	limit   int
	size    int
	bytes   func(V) int
	order   *list.List // of *entry[K, V]
	entries map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key   K
	value V
}

func newLRU[K comparable, V any](limit int, bytes func(V) int) *lru[K, V] {
	return &lru[K, V]{limit: limit, bytes: bytes, order: list.New(), entries: map[K]*list.Element{}}
}

func (c *lru[K, V]) get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*entry[K, V]).value, true
	}
	var zero V
	return zero, false
}

func (c *lru[K, V]) put(key K, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.size -= c.bytes(el.Value.(*entry[K, V]).value)
		c.order.Remove(el)
	}
	c.entries[key] = c.order.PushFront(&entry[K, V]{key, value})
	c.size += c.bytes(value)
	for c.size > c.limit && c.order.Len() > 1 {
		old := c.order.Remove(c.order.Back()).(*entry[K, V])
		delete(c.entries, old.key)
		c.size -= c.bytes(old.value)
	}
}
