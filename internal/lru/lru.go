// Package lru is a cache bounded in bytes, least recently used first out:
// what the processes keep of bundles and shared files, so memory follows
// what is stored, not how many entries there are.
package lru

import (
	"container/list"
	"sync"
)

// Cache keeps values, least recently used first out, bounded in bytes; one
// entry is kept whatever its size. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
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

// New returns a cache of at most limit bytes, a value's bytes being what
// bytes says.
func New[K comparable, V any](limit int, bytes func(V) int) *Cache[K, V] {
	return &Cache[K, V]{limit: limit, bytes: bytes, order: list.New(), entries: map[K]*list.Element{}}
}

// Get returns the value of key, if kept.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*entry[K, V]).value, true
	}
	var zero V
	return zero, false
}

// Put keeps value under key, dropping the least recently used values
// beyond the limit.
func (c *Cache[K, V]) Put(key K, value V) {
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

// Remove drops key's value.
func (c *Cache[K, V]) Remove(key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.size -= c.bytes(el.Value.(*entry[K, V]).value)
		c.order.Remove(el)
		delete(c.entries, key)
	}
}

// Bytes is what the kept values hold.
func (c *Cache[K, V]) Bytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}
