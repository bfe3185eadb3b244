/** The user picker of the views that show one user's things (ads, catalogs, audiences): choosing one opens `#/<view>/<username>`. */
import { control } from '../api.js';
import { href, navigate } from '../router.js';
import { Show, useLoad } from './common.js';

export function UserSelect({ view, user, id }: { view: string; user?: string; id: string }) {
  const users = useLoad(() => control<{ items: { username: string; account_type: string }[] }>('GET', '/users').then((r) => r.items));
  return (
    <Show loaded={users}>
      {(items) => (
        <div class="row">
          <label for={id}>User</label>
          <select id={id} value={user ?? ''} onChange={(event) => navigate(href(view, event.currentTarget.value))}>
            <option value="" disabled>
              Choose a user
            </option>
            {items.map((u) => (
              <option key={u.username} value={u.username}>
                {u.username} ({u.account_type})
              </option>
            ))}
          </select>
        </div>
      )}
    </Show>
  );
}
