export function JeTestLines() {
  return <p className="muted">JeTestLines is being built.</p>
}
