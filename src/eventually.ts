/**
 * A value now, or a promise of it. The lookups on a request's path — API key, tenant rules, session,
 * cached policy — answer from memory almost always, and only a miss (a JWT to verify, a store or
 * provider to ask) needs to wait. Returning the value itself when it is at hand lets a request whose
 * every lookup hits be decided without a single `await`: each one costs a promise and a trip
 * through the microtask queue, and a decision used to take some twenty of them.
 *
 * A function returning `Eventually<T>` may also throw synchronously; callers inside an `async`
 * function get that as a rejection, as before.
 */
export type Eventually<T> = T | Promise<T>;

/**
 * `next(value)`, now when `value` is at hand, else once it resolves. Not named `then`: a module
 * exporting `then` is a thenable, and `await import()` of it would call it.
 */
export function andThen<T, R>(value: Eventually<T>, next: (value: T) => Eventually<R>): Eventually<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}
