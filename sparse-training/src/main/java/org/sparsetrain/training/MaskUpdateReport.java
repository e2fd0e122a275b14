package org.sparsetrain.training;

/** One mask update: per-layer churn (fraction of connections that changed) and densities after it. */
public record MaskUpdateReport(long step, double[] churn, double[] densities, double millis) {}
