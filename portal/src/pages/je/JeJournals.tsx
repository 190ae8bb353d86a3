export function JeJournals() {
  return <p className="muted">JeJournals is being built.</p>
}
