import { useState, type FormEvent } from 'react'
import { Link, useLocation, useNavigate } from 'react-router'
import { useAuth } from '../auth/AuthProvider'
import { ErrorMessage } from '../ui/ErrorMessage'
import { useAction } from '../ui/useAction'

/** Sign-in; after an expired session it says so and returns to the page the user was on. */
export function SignIn() {
  const { signIn, status } = useAuth()
  const navigate = useNavigate()
  const location = useLocation()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const { busy, error, run } = useAction()
  const from = (location.state as { from?: string } | null)?.from

  const submit = (event: FormEvent) => {
    event.preventDefault()
    void run(async () => {
      await signIn(email, password)
      navigate(from && from !== '/sign-in' ? from : '/engagements', { replace: true })
    })
  }

  return (
    <div className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-label="Sign in">
        <h1>Aura</h1>
        {status === 'expired' && (
          <div className="notice" role="status">
            Your session has expired. Sign in again to carry on where you were.
          </div>
        )}
        <label>
          E-mail
          <input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
        </label>
        <label>
          Password
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <ErrorMessage error={error} title="Could not sign in" />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <Link to="/forgot-password">Forgot your password?</Link>
      </form>
    </div>
  )
}
