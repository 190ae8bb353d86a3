export function JeSummary() {
  return <p className="muted">JeSummary is being built.</p>
}
