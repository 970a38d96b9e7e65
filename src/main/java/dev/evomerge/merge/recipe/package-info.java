/**
 * Merge recipes: the same model as a mergekit YAML configuration, with mergekit's semantics for parameter values and
 * layer planning, and no tensor math or checkpoint I/O.
 *
 * <ul>
 *   <li>{@link dev.evomerge.merge.recipe.RecipeParser} reads YAML into a {@link dev.evomerge.merge.recipe.Recipe},
 *       refusing unknown keys; {@link dev.evomerge.merge.recipe.Recipe#toYaml()} writes it back
 *       ({@code parse(emit(r)).equals(r)}).</li>
 *   <li>{@link dev.evomerge.merge.recipe.ParameterValue}: scalars, gradients and filter lists, evaluated as mergekit's
 *       {@code evaluate_setting}.</li>
 *   <li>{@link dev.evomerge.merge.recipe.LayerPlan}: which source layers feed each output layer, and the gradient
 *       position t of each, as mergekit's {@code MergePlanner}.</li>
 *   <li>{@link dev.evomerge.merge.recipe.ParameterResolver}: per-tensor parameter values with mergekit's precedence
 *       (source, slice, top level, method default).</li>
 *   <li>{@link dev.evomerge.merge.recipe.LoadedRecipe}: relative model paths resolve against the recipe file's
 *       directory (the working directory for recipe text).</li>
 * </ul>
 *
 * <p>Differences from mergekit, all deliberate: unknown keys are errors, not ignored; {@code seed} is an evomerge
 * extension (mergekit ignores it); {@code modules}, LoRA ({@code model+lora}) and hub revisions
 * ({@code model@rev}) are refused; a model may appear only once in {@code models:} and once per slice; non-finite
 * numbers and empty lists are refused; a single {@code {filter, value}} mapping that is not in a list (which mergekit
 * accepts and then fails on) is refused.
 *
 * <p>Where recipes sit in the pipeline: docs/architecture.md.
 */
package dev.evomerge.merge.recipe;
