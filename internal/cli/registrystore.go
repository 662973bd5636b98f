package cli

import (
	"context"
	"flag"
	"os"
	"time"

	"github.com/go-logr/logr"

	"github.com/wallet-operator/wallet-operator/webservice/registry/postgres"
)

// The registration stores --registration-store selects.
const (
	RegistrationStoreKubernetes = "kubernetes"
	RegistrationStorePostgres   = "postgres"
)

// RegistrationStoreFlags select where device registrations are kept:
// DeviceRegistration resources (the default) or PostgreSQL, whose
// connection string comes from the environment (DATABASE_URL, from a
// Secret), never from a flag.
type RegistrationStoreFlags struct {
	Kind string
}

// AddFlags declares --registration-store on fs.
func (f *RegistrationStoreFlags) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&f.Kind, "registration-store", RegistrationStoreKubernetes,
		"Where device registrations are kept: kubernetes (DeviceRegistration resources) or postgres (the database $DATABASE_URL names; every replica pushes).")
}

// Postgres returns the PostgreSQL store the flags select, not yet
// connected (see postgres.Store.Keep), or nil for the resource store.
func (f *RegistrationStoreFlags) Postgres() (*postgres.Store, error) {
	switch f.Kind {
	case RegistrationStoreKubernetes, "":
		return nil, nil
	case RegistrationStorePostgres:
		url := os.Getenv("DATABASE_URL")
		if url == "" {
			return nil, Usagef("--registration-store=postgres needs DATABASE_URL (postgres://user:password@host:5432/db), e.g. from a Secret")
		}
		return postgres.New(url)
	}
	return nil, Usagef("--registration-store is kubernetes or postgres, not %q", f.Kind)
}

// KeepMigrated is a manager Runnable (every replica) that connects the
// store and migrates its schema, retrying every 5 s while the database
// cannot be reached; the readiness check reports why meanwhile.
type KeepMigrated struct {
	Store *postgres.Store
	Log   logr.Logger
}

// Start runs until the store is migrated or ctx ends.
func (k KeepMigrated) Start(ctx context.Context) error {
	last := time.Time{}
	k.Store.Keep(ctx, 5*time.Second, func(err error) {
		if time.Since(last) > time.Minute {
			k.Log.Error(err, "registration database not ready; retrying every 5s")
			last = time.Now()
		}
	})
	<-ctx.Done()
	return nil
}

// NeedLeaderElection: every replica needs its database.
func (KeepMigrated) NeedLeaderElection() bool { return false }
