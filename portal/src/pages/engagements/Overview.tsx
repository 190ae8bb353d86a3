export function Overview() {
  return <p className="muted">Overview is being built.</p>
}
