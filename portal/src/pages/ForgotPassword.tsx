export function ForgotPassword() {
  return <p className="muted">ForgotPassword is being built.</p>
}
