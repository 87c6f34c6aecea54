import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { PARTIAL, inWords } from '../apollo';
import type { Role } from '../gql/graphql';
import { SET_ROLE, USERS } from '../operations';

const ROLES: Role[] = ['READER', 'AUTHOR', 'ADMIN'];

/** Admins set each account's role. */
export function Admin() {
  const { data, error, loading } = useQuery(USERS, PARTIAL);
  const [setRole] = useMutation(SET_ROLE);
  const [message, setMessage] = useState<string | null>(null);
  if (loading && !data) return <p role="status">Loading…</p>;
  if (!data) return <p role="alert">{inWords(error)}</p>;
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Roles</h1>
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
          {data.users.nodes.map((user) => (
            <tr key={user.id}>
              <td>{user.displayName}</td>
              <td>@{user.handle}</td>
              <td>{user.email}</td>
              <td>
                <label className="visually-hidden" htmlFor={`role-${user.id}`}>
                  Role of {user.displayName}
                </label>
                <select
                  id={`role-${user.id}`}
                  value={user.role}
                  onChange={async (event) => {
                    const role = event.target.value as Role;
                    try {
                      await setRole({ variables: { id: user.id, role } });
                      setMessage(`${user.displayName} is now ${role.toLowerCase()}.`);
                    } catch (problem) {
                      setMessage(inWords(problem));
                    }
                  }}
                >
                  {ROLES.map((role) => (
                    <option key={role} value={role}>
                      {role.toLowerCase()}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
