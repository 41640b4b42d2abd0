import pg from 'pg';

type ConnectCallback = ((error: Error) => void) | ((error: null, client: pg.Client) => void);

/**
 * A node-postgres client that closes its connection when connecting fails. pg-pool drops a client
 * that failed to connect without ending it, and neither ends one refused by the client itself
 * (a server asking for a password the URL does not give): the server then held that connection
 * until its authentication_timeout, and the process with it, a minute after a failed start.
 */
export class ClosingClient extends pg.Client {
  override connect(): Promise<pg.Client>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.Client> | void {
    // Cut rather than ended: a Terminate message in the middle of the password exchange made the
    // server log a FATAL line ("expected SASL response") for every refused connection.
    const endIfFailed = (error: Error | null) => {
      if (error !== null) this.connection.stream.destroy();
    };
    if (callback === undefined) {
      return super.connect().catch((error: Error) => {
        endIfFailed(error);
        throw error;
      });
    }
    super.connect((error: Error | null, client?: pg.Client) => {
      endIfFailed(error);
      (callback as (error: Error | null, client?: pg.Client) => void)(error, client);
    });
  }
}
