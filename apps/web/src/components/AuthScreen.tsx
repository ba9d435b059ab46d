import { type FormEvent, useState } from 'react';
import { fieldProblems, humanMessage } from '../error-messages';
import { client } from '../sdk';

interface Props {
  notice: string | null;
  onSignedIn: () => void;
}

export function AuthScreen({ notice, onSignedIn }: Props) {
  const [mode, setMode] = useState<'signin' | 'signup'>('signin');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      if (mode === 'signup') await client.register({ email, password, name: name || undefined });
      else await client.login({ email, password });
      onSignedIn();
    } catch (error) {
      setProblem([humanMessage(error), ...fieldProblems(error)].join(' '));
    } finally {
      setBusy(false);
    }
  }

  const signingUp = mode === 'signup';
  return (
    <main className="auth">
      <h1>Tidings</h1>
      <p className="auth-tagline">Your notes, in sync everywhere.</p>
      {notice && <p className="notice">{notice}</p>}
      <form className="auth-form" onSubmit={submit} aria-labelledby="auth-heading">
        <h2 id="auth-heading">{signingUp ? 'Create an account' : 'Sign in'}</h2>
        {signingUp && (
          <label>
            Name (optional)
            <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
          </label>
        )}
        <label>
          Email
          <input
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            autoComplete="email"
          />
        </label>
        <label>
          Password
          <input
            type="password"
            required
            minLength={signingUp ? 8 : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete={signingUp ? 'new-password' : 'current-password'}
            aria-describedby={signingUp ? 'password-hint' : undefined}
          />
        </label>
        {signingUp && (
          <p className="hint" id="password-hint">
            At least 8 characters.
          </p>
        )}
        {problem && (
          <p className="problem" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {signingUp ? 'Sign up' : 'Sign in'}
        </button>
      </form>
      <p>
        {signingUp ? 'Already have an account?' : 'New here?'}{' '}
        <button
          type="button"
          className="link"
          onClick={() => {
            setMode(signingUp ? 'signin' : 'signup');
            setProblem(null);
          }}
        >
          {signingUp ? 'Sign in instead' : 'Create an account'}
        </button>
      </p>
    </main>
  );
}
