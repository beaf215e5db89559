// Runs in a worker (startThread).  A generator tasklet needs no import of
// the package: channel operations are methods of the channels it is given.
export function* squares(replies, n) {
  for (let i = 1; i <= n; i++) yield replies.send(i * i);
}
