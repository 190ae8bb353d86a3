import { useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { api, ok } from '../api/client'
import { ErrorMessage } from '../ui/ErrorMessage'
import { useAction } from '../ui/useAction'

/** Ask for a reset link; the answer is the same whether or not the address has an account. */
export function ForgotPassword() {
  const [email, setEmail] = useState('')
  const { busy, error, run } = useAction()
  const [answer, setAnswer] = useState<string | null>(null)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    void run(async () => {
      const accepted = await ok(api.POST('/api/auth/password-reset', { body: { email: email.trim() } }))
      setAnswer(accepted?.detail || 'If the address belongs to an active account, a reset link is on its way')
    })
  }

  return (
    <div className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-label="Reset your password">
        <h1>Reset your password</h1>
        {answer ? (
          <>
            <div className="success" role="status">
              {answer}. The link in the e-mail is valid for a limited time; check your spam folder if nothing arrives.
            </div>
            <Link to="/sign-in">Back to sign-in</Link>
          </>
        ) : (
          <>
            <p className="muted" style={{ margin: 0 }}>
              Enter the e-mail address of your account and we send you a link to choose a new password.
            </p>
            <label>
              E-mail
              <input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
            </label>
            <ErrorMessage error={error} title="The link could not be requested" />
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Sending…' : 'Send reset link'}
            </button>
            <Link to="/sign-in">Back to sign-in</Link>
          </>
        )}
      </form>
    </div>
  )
}
