package org.sparsetrain.pruning.criteria;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Implementations of an interface found by name: every concrete public class with a public no-arg
 * constructor in one package (on any classpath entry: directories and jars) is instantiated once
 * and registered under its {@code name()}. Adding an implementation is therefore one new file in
 * that package; no list to edit, no {@code META-INF/services} entry. Implementations outside the
 * package can be added with {@link #register}.
 *
 * @param <T> the interface
 */
final class Registry<T> {
  private final Class<T> type;
  private final String pkg;
  private final String key;
  private final Function<T, String> name;
  private Map<String, T> byName;

  Registry(Class<T> type, String pkg, String key, Function<T, String> name) {
    this.type = type;
    this.pkg = pkg;
    this.key = key;
    this.name = name;
  }

  /** The implementation registered under {@code n} (case-insensitive). */
  synchronized T get(String n) {
    T t = all().get(n.toLowerCase(Locale.ROOT));
    if (t == null) {
      throw new IllegalArgumentException("unknown " + key + " '" + n + "' (known: " + known() + ")");
    }
    return t;
  }

  synchronized String known() {
    return String.join(", ", all().keySet());
  }

  synchronized void register(T impl) {
    add(all(), impl);
  }

  private Map<String, T> all() {
    if (byName == null) {
      Map<String, T> m = new LinkedHashMap<>();
      for (String cls : classNames()) {
        T impl = instantiate(cls);
        if (impl != null) {
          add(m, impl);
        }
      }
      byName = m;
    }
    return byName;
  }

  private void add(Map<String, T> m, T impl) {
    String n = name.apply(impl).toLowerCase(Locale.ROOT);
    T old = m.get(n);
    if (old != null && old.getClass() != impl.getClass()) {
      throw new IllegalStateException(key + " '" + n + "' is claimed by both " + old.getClass().getName()
          + " and " + impl.getClass().getName());
    }
    m.put(n, impl);
  }

  private T instantiate(String cls) {
    Class<?> c;
    try {
      c = Class.forName(cls, true, loader());
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
    if (!type.isAssignableFrom(c) || c.isInterface() || Modifier.isAbstract(c.getModifiers())
        || !Modifier.isPublic(c.getModifiers())) {
      return null;
    }
    try {
      Constructor<?> k = c.getConstructor();
      return type.cast(k.newInstance());
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(cls + " implements " + type.getSimpleName() + " but has no public no-arg constructor");
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot instantiate " + cls + ": " + e, e);
    }
  }

  private ClassLoader loader() {
    ClassLoader l = Thread.currentThread().getContextClassLoader();
    return l != null ? l : Registry.class.getClassLoader();
  }

  /** Class names directly in the package, sorted, from every classpath entry that holds it. */
  private List<String> classNames() {
    String path = pkg.replace('.', '/');
    TreeSet<String> names = new TreeSet<>();
    List<URL> urls = new ArrayList<>();
    try {
      Enumeration<URL> e = loader().getResources(path);
      urls.addAll(Collections.list(e));
    } catch (IOException e) {
      throw new IllegalStateException("cannot list package " + pkg + ": " + e, e);
    }
    for (URL u : urls) {
      scan(u, path, names);
    }
    if (names.isEmpty()) {
      // a jar without directory entries: read the jar this class came from
      URL loc = Registry.class.getProtectionDomain().getCodeSource().getLocation();
      try {
        File f = Paths.get(loc.toURI()).toFile();
        if (f.isFile()) {
          try (JarFile jar = new JarFile(f)) {
            scanJar(jar, path, names);
          }
        } else {
          scanDir(new File(f, path), names);
        }
      } catch (IOException | URISyntaxException ex) {
        throw new IllegalStateException("cannot list package " + pkg + " in " + loc + ": " + ex, ex);
      }
    }
    return new ArrayList<>(names);
  }

  private void scan(URL u, String path, TreeSet<String> names) {
    try {
      if ("file".equals(u.getProtocol())) {
        scanDir(Paths.get(u.toURI()).toFile(), names);
      } else if ("jar".equals(u.getProtocol())) {
        JarURLConnection c = (JarURLConnection) u.openConnection();
        c.setUseCaches(false);
        try (JarFile jar = c.getJarFile()) {
          scanJar(jar, path, names);
        }
      }
    } catch (IOException | URISyntaxException e) {
      throw new IllegalStateException("cannot list " + u + ": " + e, e);
    }
  }

  private void scanDir(File dir, TreeSet<String> names) {
    File[] files = dir.listFiles();
    if (files == null) {
      return;
    }
    for (File f : files) {
      String n = f.getName();
      if (f.isFile() && n.endsWith(".class") && n.indexOf('$') < 0) {
        names.add(pkg + "." + n.substring(0, n.length() - 6));
      }
    }
  }

  private void scanJar(JarFile jar, String path, TreeSet<String> names) {
    Enumeration<JarEntry> en = jar.entries();
    String prefix = path + "/";
    while (en.hasMoreElements()) {
      String n = en.nextElement().getName();
      if (n.startsWith(prefix) && n.endsWith(".class") && n.indexOf('/', prefix.length()) < 0 && n.indexOf('$') < 0) {
        names.add(n.substring(0, n.length() - 6).replace('/', '.'));
      }
    }
  }
}
