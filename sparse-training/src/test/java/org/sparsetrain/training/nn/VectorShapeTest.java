package org.sparsetrain.training.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * Every Vector API species of ours has the preferred shape. A second shape in the same JVM (a
 * 256-bit float load next to the kernels' 512-bit ones) pollutes the profiles of the Vector API's
 * shared code: measured, once such code had run, the next recompilation of the layer kernels lost
 * their intrinsics and a training step got 6x slower, allocating 58 MB per call. So the vector
 * code lives in nested {@code Vec} classes, and this test reads their species.
 */
class VectorShapeTest {

  @Test
  void everyVecClassUsesThePreferredShapeOnly() throws Exception {
    assumeTrue(Kernels.vectorised(), "Vector API module not present");
    Path root = Path.of(Kernels.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> vecClasses = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      files.map(p -> root.relativize(p).toString().replace('/', '.'))
          .filter(n -> n.startsWith("org.sparsetrain.") && n.endsWith("$Vec.class"))
          .forEach(n -> vecClasses.add(n.substring(0, n.length() - ".class".length())));
    }
    assertTrue(vecClasses.size() >= 4, "found the Vec classes: " + vecClasses);
    VectorShape preferred = VectorShape.preferredShape();
    int species = 0;
    for (String name : vecClasses) {
      Class<?> c = Class.forName(name);
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) && VectorSpecies.class.isAssignableFrom(f.getType())) {
          f.setAccessible(true);
          VectorSpecies<?> s = (VectorSpecies<?>) f.get(null);
          assertEquals(preferred, s.vectorShape(), name + "." + f.getName());
          species++;
        }
      }
    }
    assertTrue(species >= vecClasses.size(), species + " species in " + vecClasses);
  }
}
