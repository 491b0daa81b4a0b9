// The shared configuration of every package (repository root).
export { default } from '../../tsup.package';
