export * from './ledger';
export * from './rows';
export * from './identifiers';
export * from './chain';
