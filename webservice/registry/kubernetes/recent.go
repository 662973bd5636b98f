package kubernetes

import (
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/wallet-operator/wallet-operator/webservice/registry"
)

// recentWindow is how long this replica remembers its own registration
// writes: far longer than its cache takes to see them.
const recentWindow = 10 * time.Second

// recentWrites are a replica's registration writes of the last
// recentWindow, by device and pass type, laid over what the cache shows:
// a device that unregisters and at once lists its passes is not given the
// pass again (nor one that registered, left out) because the cache has
// not seen its own write yet.
type recentWrites struct {
	mu     sync.Mutex
	writes map[string][]recentWrite // by device and pass type
	// byPass: the last write of each device, by pass, so a pass's devices
	// are counted with this replica's writes too.
	byPass map[registry.PassRef]map[string]recentWrite
	swept  time.Time // the last time every key was pruned
}

type recentWrite struct {
	pass       registry.PassRef
	registered bool
	at         time.Time
}

func (r *recentWrites) record(device, passType string, pass registry.PassRef, registered bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.writes == nil {
		r.writes, r.byPass = map[string][]recentWrite{}, map[registry.PassRef]map[string]recentWrite{}
	}
	now := time.Now()
	if now.Sub(r.swept) > recentWindow { // forget what the cache has long seen, once a window
		r.swept = now
		for key, ws := range r.writes {
			if ws = slices.DeleteFunc(ws, func(w recentWrite) bool { return now.Sub(w.at) > recentWindow }); len(ws) == 0 {
				delete(r.writes, key)
			} else {
				r.writes[key] = ws
			}
		}
		for p, devices := range r.byPass {
			maps.DeleteFunc(devices, func(_ string, w recentWrite) bool { return now.Sub(w.at) > recentWindow })
			if len(devices) == 0 {
				delete(r.byPass, p)
			}
		}
	}
	key := device + "\x00" + passType
	w := recentWrite{pass: pass, registered: registered, at: now}
	r.writes[key] = append(r.writes[key], w)
	if r.byPass[pass] == nil {
		r.byPass[pass] = map[string]recentWrite{}
	}
	r.byPass[pass][device] = w
}

// overlayDevices corrects the devices the cache lists for a pass with this
// replica's writes of the window: a device it registered a moment ago
// counts (so a pass's device limit holds for registrations at once), one
// it unregistered does not.
func (r *recentWrites) overlayDevices(pass registry.PassRef, devices map[string]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	for device, w := range r.byPass[pass] {
		switch {
		case now.Sub(w.at) > recentWindow:
		case w.registered:
			devices[device] = true
		default:
			delete(devices, device)
		}
	}
}

// overlay corrects the passes the cache lists for a device and pass type
// with this replica's writes of the window, the last write of a pass
// deciding.
func (r *recentWrites) overlay(device, passType string, refs []registry.PassRef) []registry.PassRef {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	for _, w := range r.writes[device+"\x00"+passType] {
		if now.Sub(w.at) > recentWindow {
			continue
		}
		listed := slices.Contains(refs, w.pass)
		switch {
		case w.registered && !listed:
			refs = append(refs, w.pass)
		case !w.registered && listed:
			refs = slices.DeleteFunc(refs, func(p registry.PassRef) bool { return p == w.pass })
		}
	}
	return refs
}
