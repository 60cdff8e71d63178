// Kept for existing imports: the built-in datasets now live in ./builtin (installBuiltin, BUILTIN_DATASETS).
export { installBuiltinMnist, MNIST_ID, type InstallProgress } from './builtin';
