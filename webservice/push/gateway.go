package push

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/sideshow/apns2"
)

// Gateway delivers one notification to a device's push token and says
// what became of it (and why, when it was not delivered).
type Gateway interface {
	Send(ctx context.Context, token, topic string) (Outcome, string)
}

// logGateway stands in for APNs when no gateway is configured (a demo):
// the pusher logs a count per pass, no device data, and records the pushes
// as made.
type logGateway struct{}

func (logGateway) Send(context.Context, string, string) (Outcome, string) { return Logged, "" }

// apnsGateway pushes through APNs with a template's client certificate,
// retrying throttling, server errors and network errors with exponential
// backoff and jitter.
type apnsGateway struct {
	client *apns2.Client
	pusher *Pusher // its options, and its count of pushes made
}

// Send sends the empty payload Wallet expects to one push token.
func (g *apnsGateway) Send(ctx context.Context, token, topic string) (Outcome, string) {
	o := g.pusher.Options
	n := &apns2.Notification{DeviceToken: token, Topic: topic, Payload: []byte("{}")}
	reason := ""
	for attempt := range o.MaxAttempts {
		if attempt > 0 {
			backoff := min(o.BaseBackoff<<(attempt-1), o.MaxBackoff)
			backoff += time.Duration(rand.Int64N(int64(backoff)/2 + 1)) // jitter
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return Retry, "stopping"
			}
		}
		g.pusher.Sent.Add(1)
		resp, err := g.client.PushWithContext(ctx, n)
		switch {
		case err != nil:
			reason = "network error"
			continue
		case resp.StatusCode == http.StatusOK:
			return Delivered, ""
		case resp.StatusCode == http.StatusGone || resp.Reason == apns2.ReasonUnregistered || resp.Reason == apns2.ReasonBadDeviceToken:
			return Unregistered, nonEmpty(resp.Reason, "410")
		case resp.StatusCode == http.StatusForbidden:
			return CredentialsRefused, fmt.Sprintf("%d %s", resp.StatusCode, resp.Reason)
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			reason = fmt.Sprintf("%d %s", resp.StatusCode, resp.Reason)
			continue
		default:
			return Failed, fmt.Sprintf("%d %s", resp.StatusCode, resp.Reason)
		}
	}
	return Retry, reason
}

func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
