import { readdir, readFile, readlink } from 'node:fs/promises';

const TCP_TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];
const LISTEN_STATE = '0A';

interface ListenRow {
  readonly port: number;
  readonly inode: string;
}

/** The TCP ports a process listens on (IPv4 and IPv6): its socket inodes matched against the LISTEN rows of /proc/net/tcp{,6}. */
export async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = await socketInodes(pid);
  const ports = (await listenRows()).filter((row) => inodes.has(row.inode)).map((row) => row.port);
  return [...new Set(ports)].sort((a, b) => a - b);
}

/** Whether any process on this machine (this network namespace) listens on the TCP port. */
export async function someoneListensOn(port: number): Promise<boolean> {
  return (await listenRows()).some((row) => row.port === port);
}

async function socketInodes(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  return inodes;
}

// Columns: sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode …; addresses are HEXIP:HEXPORT.
async function listenRows(): Promise<ListenRow[]> {
  const tables = await Promise.all(TCP_TABLES.map((table) => readFile(table, 'utf8').catch(() => '')));
  return tables.flatMap((text) =>
    text
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((columns) => columns[3] === LISTEN_STATE)
      .map((columns) => ({ port: parseInt(columns[1]?.split(':').at(-1) ?? '', 16), inode: columns[9] ?? '' })),
  );
}
