"""What every capability needs: settings, database, auth, HTTP, bus, jobs, storage, audit log."""
