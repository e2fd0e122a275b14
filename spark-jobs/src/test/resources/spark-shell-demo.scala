// spark-shell --master local[2] --jars spark-jobs/target/sparsetrain.jar \
//   --conf spark.serializer=org.apache.spark.serializer.KryoSerializer \
//   --conf spark.kryo.registrator=org.sparsetrain.jobs.ml.SparseMLKryoRegistrator
// (scripts/spark-shell-demo feeds this file to exactly that shell)
// A 90 %-sparse MLP trained with SET on 10 000 Fashion-MNIST images, evaluated on 2 000 test images.
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator
import org.sparsetrain.data.DataReaders
import org.sparsetrain.jobs.ml.SparseMLPClassifier

val dir = "/usr/share/datasets/fashion-mnist"
val train = DataReaders.idx(spark, s"$dir/train-images-idx3-ubyte.gz", s"$dir/train-labels-idx1-ubyte.gz", 2).limit(10000)
val test = DataReaders.idx(spark, s"$dir/t10k-images-idx3-ubyte.gz", s"$dir/t10k-labels-idx1-ubyte.gz", 2).limit(2000)

val model = new SparseMLPClassifier().setLayers(Array(128)).setSparsity(0.9).setMethod("set").setEpochs(3).fit(train)
println(model.densities.map(d => f"$d%.3f").mkString("density per layer: ", ", ", ""))

val accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(test))
println(f"test accuracy: $accuracy%.3f")
