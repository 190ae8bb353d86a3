import { useQuery, useQueryClient } from '@tanstack/react-query'
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react'
import { api, ok } from '../api/client'
import type { components } from '../api/schema'
import { restore, session, signIn, signOut, type SessionStatus } from './session'

export type Me = components['schemas']['MeRead']

export interface AuthValue {
  status: SessionStatus
  me: Me | undefined
  /** Whether the signed-in user holds a permission (see shared/auth/permissions.py). */
  can: (permission: string) => boolean
  /** A client contact (client_admin / client_user) rather than a member of the firm. */
  isClientUser: boolean
  signIn: (email: string, password: string) => Promise<void>
  signOut: () => Promise<void>
}

export const AuthContext = createContext<AuthValue | null>(null)

export function AuthProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<SessionStatus>(session.status)
  const queryClient = useQueryClient()
  useEffect(() => {
    const unsubscribe = session.subscribe((next) => {
      setStatus(next)
      if (next !== 'signedIn') queryClient.clear()
    })
    if (session.status === 'unknown') void restore()
    return () => {
      unsubscribe()
    }
  }, [queryClient])
  const me = useQuery({
    queryKey: ['me'],
    queryFn: () => ok(api.GET('/api/auth/me')),
    enabled: status === 'signedIn',
    staleTime: 60_000,
  })
  const permissions = new Set(me.data?.permissions ?? [])
  const value: AuthValue = {
    status,
    me: me.data,
    can: (permission) => permissions.has(permission),
    isClientUser: (me.data?.roles ?? []).some((role) => role.startsWith('client_')),
    signIn,
    signOut,
  }
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext)
  if (!value) throw new Error('useAuth outside AuthProvider')
  return value
}
