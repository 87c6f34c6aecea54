import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { PARTIAL, inWords } from '../apollo';
import type { Role } from '../gql/graphql';
import { SET_ROLE, USERS } from '../operations';
import { usePage } from '../page';
import { useSession } from '../session';

const ROLES: Role[] = ['READER', 'AUTHOR', 'ADMIN'];

/**
 * Admins set each account's role. Choosing a role in a menu only marks the row (arrow keys move
 * through a menu's options, so a menu that saved on change would save each one passed); its
 * Save button applies it, and an admin changing their own role is asked to confirm first.
 */
export function Admin() {
  const { data, error, loading } = useQuery(USERS, PARTIAL);
  const { viewer } = useSession();
  const [setRole, { loading: saving }] = useMutation(SET_ROLE);
  const [chosen, setChosen] = useState<Record<string, Role>>({});
  const [message, setMessage] = useState<string | null>(null);
  const heading = usePage('Roles');
  if (loading && !data) return <p role="status">Loading…</p>;
  if (!data) return <p role="alert">{inWords(error)}</p>;

  async function save(user: { id: string; displayName: string }, role: Role) {
    if (user.id === viewer?.id && !window.confirm(`Change your own role to ${role.toLowerCase()}? You may lose access to this page.`)) return;
    try {
      await setRole({ variables: { id: user.id, role } });
      setChosen(({ [user.id]: _saved, ...rest }) => rest);
      setMessage(`${user.displayName} is now ${role.toLowerCase()}.`);
    } catch (problem) {
      setMessage(inWords(problem));
    }
  }

  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title" ref={heading} tabIndex={-1}>
        Roles
      </h1>
      {message && <p role="status">{message}</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Handle</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
          </tr>
        </thead>
        <tbody>
          {data.users.nodes.map((user) => {
            const role = chosen[user.id] ?? user.role;
            const changed = role !== user.role;
            return (
              <tr key={user.id}>
                <td>{user.displayName}</td>
                <td>@{user.handle}</td>
                <td>{user.email}</td>
                <td className="role">
                  <label className="visually-hidden" htmlFor={`role-${user.id}`}>
                    Role of {user.displayName}
                  </label>
                  <select id={`role-${user.id}`} value={role} onChange={(event) => setChosen((all) => ({ ...all, [user.id]: event.target.value as Role }))}>
                    {ROLES.map((option) => (
                      <option key={option} value={option}>
                        {option.toLowerCase()}
                      </option>
                    ))}
                  </select>
                  <button type="button" disabled={!changed || saving} onClick={() => save(user, role)} aria-label={`Save the role of ${user.displayName}`}>
                    Save
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
