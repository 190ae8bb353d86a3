export function AcceptInvitation() {
  return <p className="muted">AcceptInvitation is being built.</p>
}
