export function Users() {
  return <p className="muted">Users is being built.</p>
}
