import type { Problem } from '../../errors.js';
import type { PackagedSolution } from './model.js';

/**
 * manifest.ppkg.json `solutionParameters` of a built Package Deployer package: per solution, the
 * connection references and environment variables the package lets its deployer set, each as
 * `{ ComponentTypeName, Attributes: { Keys, Values } }`. The solution zip is what the import creates, so
 * it stays the model's source; a parameter naming a component the zip does not declare could only fail
 * the import (0x80040217), and is reported instead.
 */

export interface SolutionParameter {
  type: 'connectionreference' | 'environmentvariabledefinition';
  name: string;
}

const NAME_KEY: Record<SolutionParameter['type'], string> = {
  connectionreference: 'connectionreferencelogicalname',
  environmentvariabledefinition: 'schemaname',
};

/** The parameters by solution unique name, as written; entries of other types or without a name are left out. */
export function parseSolutionParameters(value: unknown): Record<string, SolutionParameter[]> {
  const result: Record<string, SolutionParameter[]> = {};
  if (value === null || typeof value !== 'object') return result;
  for (const [solution, entry] of Object.entries(value as Record<string, unknown>)) {
    const components = (entry as { components?: unknown } | null)?.components;
    result[solution] = (Array.isArray(components) ? components : []).flatMap((component: unknown): SolutionParameter[] => {
      const c = component as { ComponentTypeName?: unknown; Attributes?: { Keys?: unknown; Values?: unknown } } | null;
      const type = typeof c?.ComponentTypeName === 'string' ? c.ComponentTypeName.toLowerCase() : '';
      if (type !== 'connectionreference' && type !== 'environmentvariabledefinition') return [];
      const keys = Array.isArray(c?.Attributes?.Keys) ? (c.Attributes.Keys as unknown[]) : [];
      const values = Array.isArray(c?.Attributes?.Values) ? (c.Attributes.Values as unknown[]) : [];
      const name = values[keys.findIndex((k) => typeof k === 'string' && k.toLowerCase() === NAME_KEY[type])];
      return typeof name === 'string' && name !== '' ? [{ type, name }] : [];
    });
  }
  return result;
}

/** Warnings for parameters that name a solution or a component the package's solution zips do not have. */
export function checkSolutionParameters(parameters: Record<string, SolutionParameter[]>, solutions: readonly PackagedSolution[], file: string): Problem[] {
  const problems: Problem[] = [];
  for (const [uniqueName, list] of Object.entries(parameters)) {
    const solution = solutions.find((s) => s.solution.uniqueName.toLowerCase() === uniqueName.toLowerCase())?.solution;
    if (!solution) {
      if (list.length > 0) problems.push({ severity: 'warning', file, path: `solutionParameters.${uniqueName}`, value: uniqueName, expected: `a solution of the package (${solutions.map((s) => s.solution.uniqueName).join(', ')}); its parameters are ignored` });
      continue;
    }
    const declared = {
      connectionreference: solution.connectionReferences.map((r) => r.logicalName.toLowerCase()),
      environmentvariabledefinition: solution.environmentVariables.map((v) => v.schemaName.toLowerCase()),
    };
    for (const parameter of list) {
      if (declared[parameter.type].includes(parameter.name.toLowerCase())) continue;
      problems.push({
        severity: 'warning',
        file,
        path: `solutionParameters.${uniqueName}`,
        value: parameter.name,
        expected: `a ${parameter.type === 'connectionreference' ? 'connection reference' : 'environment variable'} that ${solution.uniqueName}'s zip declares; dvpkg offers only those as settings`,
      });
    }
  }
  return problems;
}
