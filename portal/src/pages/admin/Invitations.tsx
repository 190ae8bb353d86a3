export function Invitations() {
  return <p className="muted">Invitations is being built.</p>
}
