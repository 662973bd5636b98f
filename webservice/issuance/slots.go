// Package issuance keeps what an issue link needs to answer a visit
// without listing passes: per template, how many passes its links issued
// and which of their slots are taken. Issued passes are named by slot,
// <template>-issued-<n> for n in 1..limit, so the API server itself refuses
// a second pass in a slot; this package only says which slot to try.
//
// The counts come from the informer's events, so a request costs the same
// whether a template issued ten passes or a hundred thousand.
package issuance

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"

	walletv1 "github.com/wallet-operator/wallet-operator/api/v1alpha1"
)

// MaxLimit is the most passes one template's issue links may hand out
// (spec.distribution.limit's schema maximum): it bounds a template's slot
// set to 12.5 KiB.
const MaxLimit = 100_000

// PassName is the name of the pass in a template's slot.
func PassName(template string, slot int) string {
	return fmt.Sprintf("%s-issued-%d", prefix(template), slot)
}

// prefix is the template part of an issued pass's name, short enough that
// the name stays under the API server's 253 characters.
func prefix(template string) string {
	if len(template) > 200 {
		return strings.TrimRight(template[:200], "-")
	}
	return template
}

// Slots tracks issued passes by template. The zero value is not usable;
// use NewSlots.
type Slots struct {
	mu        sync.Mutex
	templates map[types.NamespacedName]*template
}

type template struct {
	taken  []uint64            // bit n-1 is slot n
	inSlot int                 // set bits of taken
	others map[string]struct{} // labelled passes not named by slot
}

func NewSlots() *Slots {
	return &Slots{templates: map[types.NamespacedName]*template{}}
}

// Issued is how many passes the template's links have issued (passes that
// still exist, terminating included).
func (s *Slots) Issued(namespace, name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.templates[types.NamespacedName{Namespace: namespace, Name: name}]
	if t == nil {
		return 0
	}
	return t.inSlot + len(t.others)
}

// Reserve marks the lowest free slot in 1..limit as taken and returns it,
// or 0 when every slot is taken. The caller creates the pass of that slot;
// when the create fails for a reason other than AlreadyExists it calls
// Release, so the slot is tried again later.
func (s *Slots) Reserve(namespace, name string, limit int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.template(types.NamespacedName{Namespace: namespace, Name: name})
	limit = min(limit, MaxLimit)
	for i := 0; i*64 < limit; i++ {
		var word uint64
		if i < len(t.taken) {
			word = t.taken[i]
		}
		if word == ^uint64(0) {
			continue
		}
		slot := i*64 + bits.TrailingZeros64(^word) + 1
		if slot > limit {
			return 0
		}
		t.set(slot, true)
		return slot
	}
	return 0
}

// Release frees a slot Reserve returned whose pass was not created.
func (s *Slots) Release(namespace, name string, slot int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.template(types.NamespacedName{Namespace: namespace, Name: name}).set(slot, false)
}

func (s *Slots) template(key types.NamespacedName) *template {
	t := s.templates[key]
	if t == nil {
		t = &template{others: map[string]struct{}{}}
		s.templates[key] = t
	}
	return t
}

// set marks slot (from 1) taken or free.
func (t *template) set(slot int, taken bool) {
	i, bit := (slot-1)/64, uint64(1)<<((slot-1)%64)
	for taken && i >= len(t.taken) {
		t.taken = append(t.taken, 0)
	}
	if i >= len(t.taken) || (t.taken[i]&bit != 0) == taken {
		return
	}
	t.taken[i] ^= bit
	if taken {
		t.inSlot++
	} else {
		t.inSlot--
	}
}

// EventHandler keeps the slots in step with the informer of Pass objects.
func (s *Slots) EventHandler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { s.observe(obj, true) },
		UpdateFunc: func(old, obj any) {
			// Only a changed label can move a pass between templates; a
			// pass seen free for an instant could be given a second time.
			if o, ok := old.(*walletv1.Pass); ok {
				if n, ok := obj.(*walletv1.Pass); ok && o.Labels[walletv1.LabelIssuedBy] == n.Labels[walletv1.LabelIssuedBy] && o.Spec.TemplateRef == n.Spec.TemplateRef {
					return
				}
			}
			s.observe(old, false)
			s.observe(obj, true)
		},
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			s.observe(obj, false)
		},
	}
}

// observe records that a pass exists (or no longer does).
func (s *Slots) observe(obj any, exists bool) {
	p, ok := obj.(*walletv1.Pass)
	if !ok {
		return
	}
	tpl := p.Spec.TemplateRef.Name
	if tpl == "" || p.Labels[walletv1.LabelIssuedBy] != walletv1.LabelValue(tpl) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.template(types.NamespacedName{Namespace: p.Namespace, Name: tpl})
	if slot := slotOf(p.Name, tpl); slot > 0 {
		t.set(slot, exists)
	} else if exists {
		t.others[p.Name] = struct{}{}
	} else {
		delete(t.others, p.Name)
	}
}

// slotOf is the slot a pass's name says, or 0 if it names none.
func slotOf(passName, template string) int {
	rest, ok := strings.CutPrefix(passName, prefix(template)+"-issued-")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || n > MaxLimit || strconv.Itoa(n) != rest {
		return 0
	}
	return n
}
