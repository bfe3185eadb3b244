import type { AuthContext } from '../../kernel/auth.js';
import { ApiError } from '../../kernel/errors.js';
import { insufficientScope } from '../../kernel/scopes.js';
import type { BoardRow } from './store.js';

/** A user's role on a board. Pinterest: group boards have one owner and collaborators. */
export type BoardRole = 'owner' | 'collaborator' | 'none';

/** What a caller wants to do with a board. */
export type BoardAction =
  /** add Pins, manage sections, edit one's own Pins */
  | 'contribute'
  /** rename, change privacy or description, delete, remove others' Pins */
  | 'manage';

export function roleOn(board: Pick<BoardRow, 'owner_id'>, userId: string, isCollaborator: boolean): BoardRole {
  if (board.owner_id === userId) return 'owner';
  return isCollaborator ? 'collaborator' : 'none';
}

/**
 * Whether a board exists for this caller at all.
 * Pinterest: secret boards need `boards:read_secret` and membership, protected
 * (ads-only) boards are seen by their owner only; otherwise they answer 404 as if
 * they did not exist ("See secret boards with boards read_secret").
 */
export function canSeeBoard(auth: AuthContext, board: Pick<BoardRow, 'privacy'>, role: BoardRole): boolean {
  if (board.privacy === 'PUBLIC') return true;
  if (board.privacy === 'PROTECTED') return role === 'owner';
  return role !== 'none' && auth.scopes.has('boards:read_secret');
}

/**
 * Checks a write on a visible board: the secret write scope first (Pinterest's 401
 * code 3), then the role (403 code 29). The role check comes on top of the scope check.
 */
export function assertCanWriteBoard(auth: AuthContext, board: BoardRow, role: BoardRole, action: BoardAction): void {
  if (board.privacy === 'SECRET' && !auth.scopes.has('boards:write_secret')) throw insufficientScope(['boards:write_secret'], 'a secret board needs boards:write_secret');
  assertRole(role, action);
}

/** 403 code 29 unless the role allows the action. */
export function assertRole(role: BoardRole, action: BoardAction): void {
  const allowed = action === 'manage' ? role === 'owner' : role !== 'none';
  if (!allowed) throw new ApiError('not_permitted');
}
