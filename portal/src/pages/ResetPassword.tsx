export function ResetPassword() {
  return <p className="muted">ResetPassword is being built.</p>
}
