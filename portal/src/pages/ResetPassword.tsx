import { useState, type FormEvent } from 'react'
import { Link, useSearchParams } from 'react-router'
import { api, ok } from '../api/client'
import { ErrorMessage } from '../ui/ErrorMessage'
import { useAction } from '../ui/useAction'
import { NewPasswordFields, useNewPassword } from './NewPassword'

/** Choose a new password with the one-time token of a reset e-mail. */
export function ResetPassword() {
  const [params] = useSearchParams()
  const token = params.get('token') ?? ''
  const newPassword = useNewPassword()
  const { busy, error, run, clearError } = useAction()
  const [done, setDone] = useState(false)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!newPassword.check()) return clearError()
    void run(async () => {
      await ok(api.POST('/api/auth/password-reset/confirm', { body: { token, new_password: newPassword.password } }))
      setDone(true)
    })
  }

  if (!token) {
    return (
      <div className="auth-page">
        <div className="auth-card">
          <h1>Set a new password</h1>
          <div className="error" role="alert">
            This link is incomplete: it has no reset token. Open the link from the e-mail again (copy all of it), or ask for a new one.
          </div>
          <Link to="/forgot-password">Ask for a new reset link</Link>
        </div>
      </div>
    )
  }

  return (
    <div className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-label="Set a new password">
        <h1>Set a new password</h1>
        {done ? (
          <>
            <div className="success" role="status">
              Your password is set. Sign in with it now.
            </div>
            <Link to="/sign-in">Sign in</Link>
          </>
        ) : (
          <>
            <NewPasswordFields state={newPassword} label="New password" hintId="reset-password-hint" autoFocus />
            <ErrorMessage error={error} title="The password was not set" />
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Setting…' : 'Set password'}
            </button>
            {error ? <Link to="/forgot-password">Ask for a new reset link</Link> : null}
          </>
        )}
      </form>
    </div>
  )
}
