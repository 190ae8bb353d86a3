export function Evidence() {
  return <p className="muted">Evidence is being built.</p>
}
